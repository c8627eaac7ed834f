package org.multiprocessing4j.internal.process;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Waiting for this JVM's JIT compilers to go idle. On a machine with few cores the compiler
 * threads compete with whatever the JVM does next, and with the processes it starts: a JVM's
 * first second compiles about a thousand methods.
 *
 * <p>Used where a measured moment follows preparation: a pre-started JVM before it reports ready
 * (its warm-up queued C2 compilations), between the passes of the warm-up, and by the benchmark
 * before each workload.
 *
 * <h2>What "idle" means</h2>
 * On Linux, the CPU time of the compiler threads themselves ({@code /proc/self/task/TID/schedstat},
 * threads named {@code C1/C2 CompilerThread...}): idle once they have not run for
 * {@link #QUIET_MILLIS}. Elsewhere, the JVM's total compilation time, which grows only when a
 * compilation <em>ends</em>. The second alone is not enough: a single C2 compilation of a large
 * method takes 100 ms and more, and "no compilation ended for 50 ms" was then true in the middle
 * of it. Measured with {@code perf sched} (2026-11-24): pre-started JVMs reported ready while
 * their C2 thread still had 110-140 ms of work, which ran beside the next benchmark sample on
 * the same two cores (the producer of a queue sample preempted 50-70 times per 20,000 messages).
 */
public final class Jit {
    /** The compilers did not run (or no compilation ended) for this long: the queue is taken to be drained. */
    private static final long QUIET_MILLIS = 50;
    /** The longest wait: a JVM that keeps compiling (a busy application) is not waited for. */
    private static final long MAX_WAIT_MILLIS = 2_000;
    /** Compiler CPU time below this within a quiet period is taken as none (wake-ups that found no work). */
    private static final long IDLE_CPU_NANOS = 200_000;
    /** The first 15 characters of a compiler thread's name, as the kernel keeps it. */
    private static final String[] COMPILER_NAMES = {"C1 CompilerThre", "C2 CompilerThre", "JVMCI CompilerT"};

    private Jit() {}

    /**
     * Waits until this JVM's compilers have been idle for {@link #QUIET_MILLIS}, at most
     * {@link #MAX_WAIT_MILLIS}; returns at once on a JVM that reports neither compiler thread
     * times nor compilation time. An interrupt ends the wait early and is kept set.
     *
     * <p>Measured without it: a process started in a pre-started JVM right after its warm-up ran
     * its first 100 ms beside the C2 compilations of the queue paths (finishing 30-50 ms into the
     * run), on a machine whose two cores its work needed; an empty process's start+join on the
     * warm method measured 1.7-1.9 ms (median of 60; samples up to 8 ms) without the wait and
     * 1.1-1.4 ms with it.
     */
    public static void awaitQuiet() {
        CompilerThreads threads = CompilerThreads.of();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
        if (threads == null && !timed) {
            return;
        }
        long deadline = System.nanoTime() + MAX_WAIT_MILLIS * 1_000_000L;
        long lastTime = timed ? jit.getTotalCompilationTime() : 0;
        long busy = 0; // compiler CPU time since quietSince
        long quietSince = System.nanoTime();
        try {
            while (System.nanoTime() < deadline) {
                Thread.sleep(10);
                long time = timed ? jit.getTotalCompilationTime() : 0;
                busy += threads != null ? Math.max(0, threads.advance()) : 0;
                long now = System.nanoTime();
                if (time != lastTime || busy >= IDLE_CPU_NANOS) {
                    lastTime = time;
                    busy = 0;
                    quietSince = now;
                } else if (now - quietSince >= QUIET_MILLIS * 1_000_000L) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * This JVM's compiler threads as the kernel sees them. The task list is read at every call
     * (HotSpot starts and stops compiler threads as its queues grow and shrink); a thread's name
     * is read once per thread id.
     */
    static final class CompilerThreads {
        private static final Path TASKS = Path.of("/proc/self/task");
        /** Thread id to whether it is a compiler thread; ids of threads gone are dropped. */
        private final Map<String, Boolean> compiler = new HashMap<>();
        /** Compiler thread id to its CPU time at the previous {@link #advance()}. */
        private final Map<String, Long> seen = new HashMap<>();

        /** The compiler threads of this JVM, or null where /proc does not say (not Linux). */
        static CompilerThreads of() {
            CompilerThreads t = new CompilerThreads();
            return Files.isDirectory(TASKS) && t.advance() >= 0 ? t : null;
        }

        /**
         * CPU time the compiler threads used since the previous call, in ns (a thread started
         * since counts with all of its time, a thread gone with nothing more); -1 when /proc
         * cannot be read.
         */
        long advance() {
            long sum = 0;
            Set<String> alive = new HashSet<>();
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
                for (Path task : tasks) {
                    String tid = task.getFileName().toString();
                    alive.add(tid);
                    if (compiler.computeIfAbsent(tid, k -> isCompiler(task))) {
                        long now = runNanos(task);
                        Long before = seen.put(tid, now);
                        sum += Math.max(0, now - (before == null ? 0 : before));
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
            compiler.keySet().retainAll(alive);
            seen.keySet().retainAll(alive);
            return sum;
        }

        private static boolean isCompiler(Path task) {
            try {
                String comm = Files.readString(task.resolve("comm")).strip();
                for (String name : COMPILER_NAMES) {
                    if (comm.startsWith(name)) {
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false; // gone meanwhile
            }
        }

        /** The first field of {@code schedstat}: time spent on a CPU, ns (0 for a thread gone meanwhile). */
        private static long runNanos(Path task) throws IOException {
            try {
                String s = Files.readString(task.resolve("schedstat"));
                int end = s.indexOf(' ');
                return Long.parseLong(end < 0 ? s.strip() : s.substring(0, end));
            } catch (java.nio.file.NoSuchFileException e) {
                return 0;
            }
        }
    }
}
