package org.multiprocessing4j;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;

/**
 * A proxy of a joinable queue held by a manager ({@link Manager#joinableQueue()}): a
 * {@link BlockingQueue} whose consumers report each item done.
 */
public interface JoinableQueueProxy<E> extends BlockingQueue<E> {
    /**
     * Marks one item taken from the queue as done.
     *
     * @throws IllegalStateException when called more times than items were put (CPython's ValueError)
     */
    void taskDone();

    /** Waits until every item put has been marked done. */
    void join() throws InterruptedException;

    /** As {@link #join()}, at most {@code timeout}; false when items are still unfinished. */
    boolean join(Duration timeout) throws InterruptedException;

    /** Items put and not yet marked done. */
    long unfinishedTasks();
}
