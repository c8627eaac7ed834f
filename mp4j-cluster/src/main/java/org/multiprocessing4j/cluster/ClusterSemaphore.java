package org.multiprocessing4j.cluster;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import org.multiprocessing4j.SemaphoreProxy;

/**
 * A semaphore in the cluster: state {@code [permits, bound]} under {@code sem:NAME} in
 * {@link Grid#SYNC}, changed by {@link Ops.Sync} entry processors (bound -1: none; a bounded
 * semaphore refuses a release above its initial value).
 *
 * <p>Not guaranteed: permits are not owned, so a JVM that dies between {@code acquire} and
 * {@code release} keeps its permit for ever (Hazelcast's session-aware {@code ISemaphore} is
 * Enterprise-only). Under a network partition each side counts on its own.
 */
final class ClusterSemaphore implements SemaphoreProxy, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Grid grid;
    private final String name;
    private final transient String key;

    ClusterSemaphore(Grid grid, String name) {
        this.grid = grid;
        this.name = name;
        this.key = "sem:" + name;
    }

    ClusterSemaphore init(int permits, boolean bounded) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must not be negative: " + permits);
        }
        grid.initSync(key, new long[] {permits, bounded ? permits : -1});
        return this;
    }

    @Override
    public void acquire() throws InterruptedException {
        grid.awaitChange(this::tryAcquire, Long.MAX_VALUE);
    }

    @Override
    public boolean tryAcquire() {
        return grid.syncOp(key, Ops.Sync.SEM_TRY)[0] == 1;
    }

    @Override
    public boolean tryAcquire(Duration timeout) throws InterruptedException {
        return grid.awaitChange(this::tryAcquire, Grid.deadline(timeout));
    }

    @Override
    public void release() {
        long[] r = grid.syncOp(key, Ops.Sync.SEM_RELEASE);
        if (r[0] < 0) {
            throw new IllegalStateException("bounded semaphore '" + name + "' released too many times");
        }
    }

    @Override
    public int availablePermits() {
        return (int) grid.state(key)[0];
    }

    @Override
    public String toString() {
        return "Semaphore('" + name + "', permits=" + availablePermits() + ")";
    }

    String name() {
        return name;
    }

    @Serial
    Object writeReplace() {
        return new ClusterRef(ClusterRef.SEMAPHORE, name);
    }
}
