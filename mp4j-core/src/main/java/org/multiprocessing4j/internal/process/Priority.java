package org.multiprocessing4j.internal.process;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The scheduling priority (nice value) of the JVMs this library starts for later use: background
 * work must not take the CPU from the processes the application runs now.
 *
 * <ul>
 *   <li>The AOT cache's training JVM runs under {@code nice -n 19} for its whole life (see
 *       {@link AotCache}).
 *   <li>A warm reserve JVM boots and warms up under {@code nice -n 19}, and sets every one of its
 *       threads back to its parent's nice value before it reports READY: it is idle from then on,
 *       and the application's code never runs in it at the lower priority. It does so only where
 *       a process may lower a nice value again ({@code CAP_SYS_NICE}, or an {@code RLIMIT_NICE}
 *       that allows the parent's value; a process run as root has the first, an ordinary user
 *       usually neither), else it boots at its parent's priority, as before. A reserve JVM that
 *       cannot return to its parent's priority halts instead of reporting READY, and the reserve
 *       counts it as a failed start.
 * </ul>
 * Measured (2026-11-25, two vCPUs, docs/benchmarks.md, twenty-sixth session): a queue ping-pong
 * between a JVM and its warm child, whose start set the reserve refilling, did 0.27-0.48 M round
 * trips in its first 8 s (6-650 us each, in 500-ms slices, while the refill JVM warmed up beside
 * it at the default priority), and 2.5-3.8 M (mostly 1-6 us) with the refill niced.
 *
 * <p>Nice values are per thread on Linux: {@code setpriority(PRIO_PROCESS, tid, n)} sets one
 * thread, and a new thread starts with its creator's value. Linux only; elsewhere nothing is
 * changed.
 */
final class Priority {
    /** The environment variable that tells a reserve JVM the nice value to return to before READY. */
    static final String RETURN_TO = "MP4J_NICE_AFTER_WARM_UP";
    /** The nice value of background JVMs (the lowest priority). */
    static final int BACKGROUND = 19;
    /** {@code CAP_SYS_NICE}: the capability to lower nice values. */
    private static final int CAP_SYS_NICE = 23;
    private static final int PRIO_PROCESS = 0;

    /** The {@code nice} executable on the {@code PATH}, or null when there is none. */
    static final Path NICE = onPath("nice");

    private Priority() {}

    @SuppressWarnings("restricted")
    private static final class Native {
        static final MethodHandle SETPRIORITY;

        static {
            Linker linker = Linker.nativeLinker();
            SETPRIORITY = linker.downcallHandle(linker.defaultLookup().find("setpriority").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        }
    }

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

    /**
     * The nice value a reserve JVM started now by the calling thread should return to before it
     * reports READY, or null when it should not be niced at all: no {@code nice} executable, not
     * Linux, or this process may not lower a nice value to the calling thread's.
     */
    static Integer warmUpReturnValue() {
        if (NICE == null) {
            return null;
        }
        try {
            int mine = niceOf(Files.readString(Path.of("/proc/thread-self/stat")));
            String status = Files.readString(Path.of("/proc/self/status"));
            String limits = Files.readString(Path.of("/proc/self/limits"));
            return mayLowerTo(mine, status, limits) ? mine : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * True when a process with these {@code /proc/PID/status} and {@code /proc/PID/limits} may
     * set a thread's nice value to {@code nice} after raising it: it has {@code CAP_SYS_NICE}, or
     * its soft {@code RLIMIT_NICE} ({@code 20 - rlimit} is the lowest value it may set) allows it.
     */
    static boolean mayLowerTo(int nice, String status, String limits) {
        for (String line : status.split("\n")) {
            if (line.startsWith("CapEff:")) {
                long caps = Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                if ((caps & 1L << CAP_SYS_NICE) != 0) {
                    return true;
                }
            }
        }
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max nice priority")) {
                String[] f = line.substring("Max nice priority".length()).trim().split("\\s+");
                if (f[0].equals("unlimited")) {
                    return true;
                }
                return nice >= 20 - Integer.parseInt(f[0]);
            }
        }
        return false;
    }

    /** The nice value (field 19) in a {@code /proc/.../stat} line. */
    static int niceOf(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Integer.parseInt(f[19 - 3]);
    }

    /**
     * Sets every thread of this JVM to nice {@code nice}, and checks: threads that a niced thread
     * started meanwhile are found by the next pass (at most five).
     *
     * @return true when every thread now has {@code nice}
     */
    static boolean setAllThreads(int nice) {
        for (int pass = 0; pass < 5; pass++) {
            boolean changed = false;
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path t : tasks) {
                    int now;
                    try {
                        now = niceOf(Files.readString(t.resolve("stat")));
                    } catch (IOException e) {
                        continue; // the thread has ended
                    }
                    if (now != nice) {
                        int tid = Integer.parseInt(t.getFileName().toString());
                        if ((int) Native.SETPRIORITY.invokeExact(PRIO_PROCESS, tid, nice) != 0 && Files.exists(t)) {
                            return false;
                        }
                        changed = true;
                    }
                }
            } catch (Throwable e) {
                return false;
            }
            if (!changed) {
                return true;
            }
        }
        return false;
    }
}
