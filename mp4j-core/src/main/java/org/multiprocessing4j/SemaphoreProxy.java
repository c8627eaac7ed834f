package org.multiprocessing4j;

import java.time.Duration;

/**
 * A proxy of a semaphore held by a manager ({@link Manager#semaphore(int)},
 * {@link Manager#boundedSemaphore(int)}): CPython's {@code AcquirerProxy} over a
 * {@code Semaphore} or {@code BoundedSemaphore}. Permits are not owned: any process may release
 * them (a bounded semaphore refuses a release above its initial value with an
 * {@link IllegalStateException}, CPython's {@code ValueError}).
 */
public interface SemaphoreProxy {
    /** Takes a permit, waiting for one. */
    void acquire() throws InterruptedException;

    /** Takes a permit if one is free now. */
    boolean tryAcquire();

    /** Takes a permit, waiting at most {@code timeout}; false when none came. */
    boolean tryAcquire(Duration timeout) throws InterruptedException;

    /** Gives a permit back. */
    void release();

    /** The permits free now. */
    int availablePermits();

    /** Takes a permit for a try-with-resources block. Runs in the client. */
    default Held hold() throws InterruptedException {
        acquire();
        return this::release;
    }
}
