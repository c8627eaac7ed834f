package org.multiprocessing4j.cluster;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeoutException;
import org.multiprocessing4j.BarrierProxy;

/**
 * A barrier in the cluster: {@code [parties, count, generation, broken, brokenGeneration]} under
 * {@code barrier:NAME} in {@link Grid#SYNC}. The last party to arrive starts a new generation;
 * the others wait for it. A timeout, an interrupt or {@link #abort} breaks the waiting
 * generation (every party of it gets {@link BrokenBarrierException}), as in CPython and
 * {@link java.util.concurrent.CyclicBarrier}; {@link #reset} breaks the waiters and makes the
 * barrier whole again.
 *
 * <p>Not guaranteed: a party that dies while waiting is not noticed; the others wait until their
 * timeout (give one).
 */
final class ClusterBarrier implements BarrierProxy, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Grid grid;
    private final String name;
    private final transient String key;

    ClusterBarrier(Grid grid, String name) {
        this.grid = grid;
        this.name = name;
        this.key = "barrier:" + name;
    }

    ClusterBarrier init(int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("parties must be positive: " + parties);
        }
        grid.initSync(key, new long[] {parties, 0, 0, 0, -1});
        return this;
    }

    private long[] state() {
        return grid.state(key);
    }

    @Override
    public int parties() {
        return (int) state()[0];
    }

    @Override
    public int numberWaiting() {
        return (int) state()[1];
    }

    @Override
    public boolean isBroken() {
        return state()[3] != 0;
    }

    @Override
    public int await() throws InterruptedException, BrokenBarrierException {
        try {
            return await(Long.MAX_VALUE);
        } catch (TimeoutException e) {
            throw new AssertionError(e); // no deadline
        }
    }

    @Override
    public int await(Duration timeout) throws InterruptedException, BrokenBarrierException, TimeoutException {
        return await(Grid.deadline(timeout));
    }

    private int await(long deadline) throws InterruptedException, BrokenBarrierException, TimeoutException {
        long[] r = grid.syncOp(key, Ops.Sync.BARRIER_ARRIVE);
        if (r[0] < 0) {
            throw new BrokenBarrierException();
        }
        if (r[0] == 0) {
            return 0; // the last party: the generation is through
        }
        long generation = r[1];
        boolean over;
        try {
            over = grid.awaitChange(() -> {
                long[] s = state();
                return s[2] != generation || s[3] != 0;
            }, deadline);
        } catch (InterruptedException e) {
            grid.syncOp(key, Ops.Sync.BARRIER_BREAK, generation);
            throw e;
        }
        if (!over) {
            grid.syncOp(key, Ops.Sync.BARRIER_BREAK, generation);
            long[] s = state();
            if (s[2] != generation && s[4] != generation) {
                return (int) r[0]; // the last party came just in time
            }
            throw new TimeoutException("barrier '" + name + "' timed out; it is broken now");
        }
        long[] s = state();
        if (s[4] == generation || (s[3] != 0 && s[2] == generation)) {
            throw new BrokenBarrierException();
        }
        return (int) r[0];
    }

    @Override
    public void reset() {
        grid.syncOp(key, Ops.Sync.BARRIER_RESET);
    }

    @Override
    public void abort() {
        grid.syncOp(key, Ops.Sync.BARRIER_BREAK, -1);
    }

    @Override
    public String toString() {
        long[] s = state();
        return "Barrier('" + name + "', parties=" + s[0] + ", waiting=" + s[1] + (s[3] != 0 ? ", broken" : "") + ")";
    }

    String name() {
        return name;
    }

    @Serial
    Object writeReplace() {
        return new ClusterRef(ClusterRef.BARRIER, name);
    }
}
