package org.multiprocessing4j;

import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeoutException;

/**
 * A proxy of a barrier held by a manager ({@link Manager#barrier(int)}): CPython's
 * {@code BarrierProxy}. A party whose process dies while waiting breaks the barrier for the
 * others ({@link BrokenBarrierException}) instead of leaving them waiting.
 */
public interface BarrierProxy {
    /** The number of parties. */
    int parties();

    /** The parties waiting now. */
    int numberWaiting();

    /** True when the barrier is broken. */
    boolean isBroken();

    /** Waits for every party; returns the arrival index (parties - 1 for the first, 0 for the last). */
    int await() throws InterruptedException, BrokenBarrierException;

    /** As {@link #await()}, at most {@code timeout}; a timeout breaks the barrier. */
    int await(Duration timeout) throws InterruptedException, BrokenBarrierException, TimeoutException;

    /** Puts the barrier back to its first state; waiting parties get {@link BrokenBarrierException}. */
    void reset();

    /** Breaks the barrier: every waiting and later party gets {@link BrokenBarrierException}. */
    void abort();
}
