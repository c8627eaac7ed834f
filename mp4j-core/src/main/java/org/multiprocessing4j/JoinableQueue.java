package org.multiprocessing4j;

import java.time.Duration;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.shm.Waits;

/**
 * A {@link Queue} whose consumers report each message done, so that a producer can wait until
 * every message put has been processed: CPython's {@code multiprocessing.JoinableQueue}.
 *
 * <pre>{@code
 * JoinableQueue<String> jobs = ctx.joinableQueue();
 * // consumer: for (;;) { String job = jobs.get(); work(job); jobs.taskDone(); }
 * jobs.put("a"); jobs.put("b");
 * jobs.join(); // returns once taskDone() was called for "a" and "b"
 * }</pre>
 *
 * <p>The count of unfinished messages lives in shared memory with the queue: it goes up when a
 * put completes and down with each {@link #taskDone()}, in any process. A message taken out with
 * {@link #remove(Object)} counts as done. As in CPython, a consumer that dies between
 * {@code get} and {@code taskDone} leaves its message unfinished: use {@link #join(Duration)} where
 * consumers may die.
 *
 * @param <E> the type of the elements
 */
public final class JoinableQueue<E> extends Queue<E> {
    private static final long serialVersionUID = 1L;

    JoinableQueue(int maxsize, Codec codec) {
        super(SharedRef.JOINABLE_QUEUE, maxsize, codec);
    }

    JoinableQueue(SharedRef ref, Codec codec) {
        super(ref, codec);
    }

    /**
     * Marks one message taken from the queue as processed (CPython: {@code task_done()}).
     *
     * @throws IllegalStateException when called more times than messages were put (CPython's
     *     ValueError)
     */
    public void taskDone() {
        if (!core.taskDone()) {
            throw new IllegalStateException("taskDone() called too many times: " + this);
        }
    }

    /** Waits until every message put has been marked done (CPython: {@code join()}). */
    public void join() throws InterruptedException {
        core.join(Long.MAX_VALUE);
    }

    /** Waits at most {@code timeout} until every message put has been marked done; false when some are still unfinished. */
    public boolean join(Duration timeout) throws InterruptedException {
        return core.join(Waits.deadline(Math.max(0, timeout.toNanos())));
    }

    /** Messages put and not yet marked done. */
    public long unfinishedTasks() {
        return core.unfinished();
    }

    @Override
    void removed() {
        core.taskDone();
    }
}
