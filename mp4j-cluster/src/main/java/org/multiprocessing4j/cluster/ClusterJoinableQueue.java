package org.multiprocessing4j.cluster;

import java.io.Serial;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.JoinableQueueProxy;

/**
 * A {@link ClusterQueue} that counts unfinished tasks (CPython's {@code JoinableQueue}): the
 * count lives in {@link Grid#SYNC} under {@code jq:NAME}, raised before an element is added
 * (and lowered again when the add fails), so {@link #join} never returns while an element that
 * was put is not done.
 */
final class ClusterJoinableQueue<E> extends ClusterQueue<E> implements JoinableQueueProxy<E> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient String counter;

    ClusterJoinableQueue(Grid grid, String name) {
        super(grid, name);
        this.counter = "jq:" + name;
        grid.initSync(counter, new long[] {0});
    }

    private void add(long n) {
        grid.syncOp(counter, Ops.Sync.COUNTER_ADD, n);
    }

    /** An add to the queue that says whether it added. */
    private interface Add {
        boolean run() throws InterruptedException;
    }

    /** Counts the task first, runs the add, and takes the count back when nothing was added. */
    private boolean counted(Add add) throws InterruptedException {
        add(1);
        boolean done = false;
        try {
            done = add.run();
            return done;
        } finally {
            if (!done) {
                add(-1);
            }
        }
    }

    @Override
    public boolean offer(E e) {
        byte[] b = encode(e);
        try {
            return counted(() -> queue.offer(b));
        } catch (InterruptedException x) {
            throw new AssertionError(x); // offer without a timeout does not wait
        }
    }

    @Override
    public void put(E e) throws InterruptedException {
        byte[] b = encode(e);
        counted(() -> {
            queue.put(b);
            return true;
        });
    }

    @Override
    public boolean offer(E e, long timeout, TimeUnit unit) throws InterruptedException {
        byte[] b = encode(e);
        return counted(() -> queue.offer(b, timeout, unit));
    }

    @Override
    public void taskDone() {
        long[] r = grid.syncOp(counter, Ops.Sync.COUNTER_DONE);
        if (r[0] < 0) {
            throw new IllegalStateException("taskDone() called more times than there were items in joinable queue '" + name + "'");
        }
    }

    @Override
    public void join() throws InterruptedException {
        grid.awaitChange(() -> unfinishedTasks() == 0, Long.MAX_VALUE);
    }

    @Override
    public boolean join(Duration timeout) throws InterruptedException {
        return grid.awaitChange(() -> unfinishedTasks() == 0, Grid.deadline(timeout));
    }

    @Override
    public long unfinishedTasks() {
        return grid.state(counter)[0];
    }

    @Override
    @Serial
    Object writeReplace() {
        return new ClusterRef(ClusterRef.JOINABLE_QUEUE, name);
    }
}
