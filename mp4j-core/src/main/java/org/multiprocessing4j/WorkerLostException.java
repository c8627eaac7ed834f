package org.multiprocessing4j;

import java.util.OptionalInt;

/**
 * The cause of a pool task's failure when the worker process running it died before returning
 * its result: killed by a signal, {@code System.exit}, an {@link OutOfMemoryError} that ended the
 * JVM, a native crash. billiard's {@code WorkerLostError}; CPython's Pool hangs instead
 * (python/cpython#96062) and its ProcessPoolExecutor breaks for good.
 *
 * <p>Only the task the worker was running fails; tasks it had received but not started go to
 * another worker, and the pool starts a replacement. A {@link RetryPolicy} may run the task again
 * instead of failing it.
 */
public final class WorkerLostException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long pid;
    private final Integer exitCode;

    /**
     * @param pid the worker's pid
     * @param exitCode its exit code (minus the signal number after a signal), or null when unknown
     * @param detail what the pool knows beyond that (may be null)
     */
    public WorkerLostException(long pid, Integer exitCode, String detail) {
        super("worker process pid " + pid + " died while running the task (exit code "
                + (exitCode == null ? "unknown" : exitCode + describe(exitCode)) + ")" + (detail == null ? "" : ": " + detail));
        this.pid = pid;
        this.exitCode = exitCode;
    }

    private static String describe(int code) {
        return switch (code) {
            case -9 -> ", SIGKILL";
            case -15 -> ", SIGTERM";
            case -11 -> ", SIGSEGV";
            case -6 -> ", SIGABRT";
            default -> "";
        };
    }

    /** The pid of the worker that died. */
    public long pid() {
        return pid;
    }

    /** Its exit code as {@link Process#exitCode()} reports it, when known. */
    public OptionalInt exitCode() {
        return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }
}
