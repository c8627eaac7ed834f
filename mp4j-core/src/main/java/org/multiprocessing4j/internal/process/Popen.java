package org.multiprocessing4j.internal.process;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * What a {@link org.multiprocessing4j.Process} holds of a started process: CPython's
 * {@code popen_*} objects, one small interface for every start method.
 *
 * <p>Exit codes follow CPython: 0 for a normal end, 1 when run() threw, the argument of
 * {@code System.exit}, and minus the signal number when a signal ended the process
 * (-15 after {@link #terminate()}, -9 after {@link #kill()}).
 */
public interface Popen {
    /** The OS pid of the process (for the thread start method, this JVM's pid). */
    long pid();

    /** The exit code, or empty while the process runs. */
    OptionalInt poll();

    /**
     * Waits for the process to end.
     *
     * @param timeout null to wait for ever
     * @return true when it has ended
     */
    boolean waitFor(Duration timeout) throws InterruptedException;

    /** Asks the process to stop (SIGTERM). No effect once it has ended. */
    void terminate();

    /** Stops the process at once (SIGKILL). No effect once it has ended. */
    void kill();

    /** Runs {@code action} once the process has ended (at once when it has already), on some thread. */
    void onExit(Runnable action);

    /** Releases what the handle holds (the control connection). Only after the process ended. */
    void close();

    /** The exit code in {@code exit}, or empty while it is not complete. */
    static OptionalInt poll(java.util.concurrent.CompletableFuture<Integer> exit) {
        Integer code = exit.getNow(null);
        return code == null ? OptionalInt.empty() : OptionalInt.of(code);
    }

    /**
     * Waits for {@code exit} to complete (it never completes exceptionally).
     *
     * @param timeout null to wait for ever
     * @return true when it has completed
     */
    static boolean await(java.util.concurrent.CompletableFuture<Integer> exit, Duration timeout) throws InterruptedException {
        try {
            if (timeout == null) {
                exit.get();
            } else {
                exit.get(Math.max(0, timeout.toNanos()), java.util.concurrent.TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("unreachable: exit future never fails", e);
        }
    }

    /** Maps an exit status as Java's {@link java.lang.Process#exitValue()} gives it to CPython's form. */
    static int fromOsStatus(int status) {
        // Java reports death by signal N, and the JVM's own exit on SIGTERM/SIGINT/SIGHUP, as 128 + N.
        if (status > 128 && status <= 128 + 64) {
            return -(status - 128);
        }
        return status;
    }
}
