package org.multiprocessing4j;

import java.time.Duration;

/**
 * The cause of a pool task's failure when it ran past a time limit of its {@link Pool}
 * (billiard's {@code SoftTimeLimitExceeded} and {@code TimeLimitExceeded}). After the soft limit
 * the task's thread is interrupted and the task fails with this exception if it then throws (its
 * own exception is the cause); a task that returns a value despite the interrupt succeeds. After
 * the hard limit the worker process is killed, the task fails with this exception and a
 * replacement worker takes over.
 */
public final class TaskTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean hard;
    private final Duration limit;

    /**
     * @param hard whether the hard limit (worker killed) was exceeded, else the soft one
     * @param limit the limit that was exceeded
     * @param detail what happened (may be null)
     * @param cause what the task threw after the soft limit's interrupt (may be null)
     */
    public TaskTimeoutException(boolean hard, Duration limit, String detail, Throwable cause) {
        super((hard ? "hard" : "soft") + " time limit of " + limit + " exceeded" + (detail == null ? "" : ": " + detail), cause);
        this.hard = hard;
        this.limit = limit;
    }

    /** True for the hard limit (the worker was killed), false for the soft one (interrupted). */
    public boolean isHard() {
        return hard;
    }

    /** The limit that was exceeded. */
    public Duration limit() {
        return limit;
    }
}
