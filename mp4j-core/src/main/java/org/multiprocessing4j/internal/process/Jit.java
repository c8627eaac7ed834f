package org.multiprocessing4j.internal.process;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Waiting for this JVM's JIT compilers to go idle. On a machine with few cores the compiler
 * threads compete with whatever the JVM does next, and with the processes it starts: a JVM's
 * first second compiles about a thousand methods.
 *
 * <p>Used where a measured moment follows preparation: a pre-started JVM before it reports ready
 * (its warm-up queued C2 compilations), between the passes of the warm-up, and by the benchmark
 * before each workload.
 */
public final class Jit {
    /** No compilation ended for this long: the queue is taken to be drained. */
    private static final long QUIET_MILLIS = 50;
    /** The longest wait: a JVM that keeps compiling (a busy application) is not waited for. */
    private static final long MAX_WAIT_MILLIS = 2_000;

    private Jit() {}

    /**
     * Waits until no compilation has ended for {@link #QUIET_MILLIS}, at most
     * {@link #MAX_WAIT_MILLIS}; returns at once on a JVM that does not report compilation time.
     * An interrupt ends the wait early and is kept set.
     *
     * <p>Measured without it: a process started in a pre-started JVM right after its warm-up ran
     * its first 100 ms beside the C2 compilations of the queue paths (finishing 30-50 ms into the
     * run), on a machine whose two cores its work needed; an empty process's start+join on the
     * warm method measured 1.7-1.9 ms (median of 60; samples up to 8 ms) without the wait and
     * 1.1-1.4 ms with it.
     */
    public static void awaitQuiet() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long deadline = System.nanoTime() + MAX_WAIT_MILLIS * 1_000_000L;
        long last = jit.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        try {
            while (System.nanoTime() < deadline) {
                Thread.sleep(10);
                long t = jit.getTotalCompilationTime();
                if (t != last) {
                    last = t;
                    quietSince = System.nanoTime();
                } else if (System.nanoTime() - quietSince >= QUIET_MILLIS * 1_000_000L) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
