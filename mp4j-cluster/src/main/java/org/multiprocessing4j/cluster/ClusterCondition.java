package org.multiprocessing4j.cluster;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.ConditionProxy;

/**
 * A condition in the cluster over a {@link ClusterLock}: a generation number
 * {@code [generation]} under {@code cond:NAME} in {@link Grid#SYNC}. A waiter reads the generation
 * while it holds the lock, releases the lock (every hold of an RLock), waits for the generation
 * to change and takes the lock again; {@code signal} and {@code signalAll}, called with the lock
 * held, start a new generation. So no signal given after a waiter released the lock is missed.
 *
 * <p>{@code signal} wakes every waiter, as {@code signalAll} does (allowed: the
 * {@link java.util.concurrent.locks.Condition} contract lets waiters wake spuriously, and
 * waiters recheck their predicate; {@link #waitFor} does).
 */
final class ClusterCondition implements ConditionProxy, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Grid grid;
    private final String name;
    private final transient ClusterLock lock;
    private final transient String key;

    ClusterCondition(Grid grid, String name, ClusterLock lock) {
        this.grid = grid;
        this.name = name;
        this.lock = lock;
        this.key = "cond:" + name;
    }

    ClusterCondition init() {
        grid.initSync(key, new long[] {0});
        return this;
    }

    // ---- the lock ----

    @Override
    public void lock() {
        lock.lock();
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        lock.lockInterruptibly();
    }

    @Override
    public boolean tryLock() {
        return lock.tryLock();
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        return lock.tryLock(time, unit);
    }

    @Override
    public void unlock() {
        lock.unlock();
    }

    // ---- waiting ----

    /** Waits until the deadline ({@link Long#MAX_VALUE}: none); true when signalled. */
    private boolean awaitUntilNanos(long deadline, boolean interruptible) throws InterruptedException {
        int holds = lock.holdCount();
        if (holds == 0) {
            throw new IllegalMonitorStateException("await on condition '" + name + "' without holding its lock");
        }
        long generation = grid.state(key)[0];
        for (int i = 0; i < holds; i++) {
            lock.unlock();
        }
        boolean signalled = false;
        InterruptedException interrupted = null;
        boolean interruptLater = false;
        try {
            for (;;) {
                try {
                    signalled = grid.awaitChange(() -> grid.state(key)[0] != generation, deadline);
                    break;
                } catch (InterruptedException e) {
                    if (interruptible) {
                        interrupted = e;
                        break;
                    }
                    interruptLater = true; // keep waiting; the flag is set again on the way out
                }
            }
        } finally {
            for (int i = 0; i < holds; i++) {
                lock.lock();
            }
        }
        if (interruptLater) {
            Thread.currentThread().interrupt();
        }
        if (interrupted != null) {
            throw interrupted;
        }
        return signalled;
    }

    @Override
    public void await() throws InterruptedException {
        awaitUntilNanos(Long.MAX_VALUE, true);
    }

    @Override
    public boolean await(Duration timeout) throws InterruptedException {
        return awaitUntilNanos(Grid.deadline(timeout), true);
    }

    @Override
    public void awaitUninterruptibly() {
        try {
            awaitUntilNanos(Long.MAX_VALUE, false);
        } catch (InterruptedException e) {
            throw new AssertionError(e); // not thrown when not interruptible
        }
    }

    @Override
    public long awaitNanos(long nanosTimeout) throws InterruptedException {
        long deadline = Grid.deadline(Duration.ofNanos(nanosTimeout));
        awaitUntilNanos(deadline, true);
        return deadline - System.nanoTime();
    }

    @Override
    public boolean await(long time, TimeUnit unit) throws InterruptedException {
        return await(Duration.of(time, unit.toChronoUnit()));
    }

    @Override
    public boolean awaitUntil(Date deadline) throws InterruptedException {
        return await(Duration.ofMillis(deadline.getTime() - System.currentTimeMillis()));
    }

    @Override
    public void signal() {
        signalAll();
    }

    @Override
    public void signalAll() {
        if (lock.holdCount() == 0) {
            throw new IllegalMonitorStateException("signal on condition '" + name + "' without holding its lock");
        }
        grid.syncOp(key, Ops.Sync.COND_NOTIFY);
    }

    @Override
    public String toString() {
        return "Condition('" + name + "', " + lock + ")";
    }

    String name() {
        return name;
    }

    @Serial
    Object writeReplace() {
        return new ClusterRef(ClusterRef.CONDITION, name, lock.name, lock.reentrant);
    }
}
