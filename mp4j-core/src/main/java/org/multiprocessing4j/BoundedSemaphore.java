package org.multiprocessing4j;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.Serial;

/**
 * A {@link Semaphore} that may not be released above its initial value: CPython's
 * {@code multiprocessing.BoundedSemaphore}. A release that would exceed it throws
 * {@link IllegalStateException} (CPython's {@code ValueError: semaphore or lock released too many
 * times}) and changes nothing.
 */
public final class BoundedSemaphore extends Semaphore {
    @Serial
    private static final long serialVersionUID = 1L;

    BoundedSemaphore(int permits) {
        super(SharedRef.BOUNDED_SEMAPHORE, permits);
    }

    BoundedSemaphore(SharedRef ref) {
        super(ref);
    }

    /** The initial value, which releases may not exceed. */
    public int maxPermits() {
        return mem.get(JAVA_INT, MAX);
    }

    @Override
    void checkRelease(int value) {
        if (value >= maxPermits()) {
            throw new IllegalStateException("semaphore or lock released too many times: " + this
                    + " is at its initial value " + maxPermits());
        }
    }
}
