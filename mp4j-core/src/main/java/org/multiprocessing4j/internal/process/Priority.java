package org.multiprocessing4j.internal.process;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The scheduling priority (nice value) of the JVMs this library starts for later use: the AOT
 * cache's training JVM runs under {@code nice -n 19} for its whole life (see {@link AotCache}), so
 * that work for later children does not take the CPU from the processes the application runs now.
 *
 * <p>Tried, not kept (2026-11-25, docs/benchmarks.md, twenty-sixth session): warm reserve JVMs
 * booting and warming up niced, and setting every thread back to the parent's nice value before
 * READY (possible only with {@code CAP_SYS_NICE} or an {@code RLIMIT_NICE} that allows it). A
 * queue ping-pong beside a refill did 2.5-3.8 M round trips in 8 s instead of 0.27-0.48 M, but
 * {@code ./mp4j demo all} took 3:23-3:35 instead of 3:16-3:18: on a busy machine a niced refill
 * lags, and more starts find the reserve empty and spawn.
 */
final class Priority {
    /** The nice value of background JVMs (the lowest priority). */
    static final int BACKGROUND = 19;

    /** The {@code nice} executable on the {@code PATH}, or null when there is none. */
    static final Path NICE = onPath("nice");

    private Priority() {}

    /** {@code cmd} under {@code nice -n 19} when a {@code nice} executable is on the {@code PATH}, else {@code cmd}. */
    static List<String> niced(List<String> cmd) {
        if (NICE == null) {
            return cmd;
        }
        List<String> out = new ArrayList<>(cmd.size() + 3);
        out.addAll(List.of(NICE.toString(), "-n", Integer.toString(BACKGROUND)));
        out.addAll(cmd);
        return out;
    }

    /** The first executable file named {@code name} in a directory of the {@code PATH}, or null. */
    static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
