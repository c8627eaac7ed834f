package org.multiprocessing4j;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A proxy of a condition held by a manager ({@link Manager#condition()}): CPython's
 * {@code ConditionProxy}. It is both the lock ({@code lock}/{@code unlock}, {@link #hold()}) and
 * the condition ({@code await}/{@code signal}/{@code signalAll}); waiting requires holding it.
 */
public interface ConditionProxy extends LockProxy, java.util.concurrent.locks.Condition {
    /** Waits for a signal, at most {@code timeout}; false when the time ran out. */
    boolean await(Duration timeout) throws InterruptedException;

    /**
     * Waits until {@code predicate} is true, at most {@code timeout} (CPython's {@code wait_for});
     * the predicate runs in the client with the lock held. Returns the predicate's last value.
     */
    default boolean waitFor(BooleanSupplier predicate, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean result = predicate.getAsBoolean();
        while (!result) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            await(Duration.ofNanos(left));
            result = predicate.getAsBoolean();
        }
        return result;
    }

    /** Waits until {@code predicate} is true; the predicate runs in the client with the lock held. */
    default void waitFor(BooleanSupplier predicate) throws InterruptedException {
        while (!predicate.getAsBoolean()) {
            await();
        }
    }
}
