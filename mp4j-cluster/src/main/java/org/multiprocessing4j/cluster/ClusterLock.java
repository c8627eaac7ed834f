package org.multiprocessing4j.cluster;

import com.hazelcast.map.IMap;
import java.io.Serial;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.LockProxy;

/**
 * A lock in the cluster: the Hazelcast map lock of key NAME in {@link Grid#LOCKS} (the
 * open-source edition's lock; its CP {@code FencedLock} is an Enterprise feature).
 *
 * <h2>What it guarantees</h2>
 * <ul>
 *   <li>Mutual exclusion among all threads of all clients and members, owned by a thread: only
 *       the thread that locked may unlock ({@link IllegalMonitorStateException} otherwise).
 *   <li>When the owner's JVM dies (its client connection closes, or a member leaves), the
 *       cluster releases the lock; the next owner is not told, unlike the shared-memory
 *       {@link org.multiprocessing4j.Lock}.
 *   <li>The lock state has the map's backups: the loss of a member that owns the key moves the
 *       lock to a backup, still held.
 * </ul>
 * <h2>What it does not</h2>
 * Under a network partition each side may grant the lock (Hazelcast's AP map), and a client
 * cut off longer than the failure timeout loses its locks while it may still believe it holds
 * them. It is a lock for cooperation, not a fencing token.
 *
 * <p>A {@code Lock} (not reentrant) refuses a second acquisition by its holding thread:
 * {@code tryLock} returns false and {@code lock} throws {@link IllegalStateException} (the
 * shared-memory Lock would block for ever). An {@code RLock} counts its holds.
 */
final class ClusterLock implements LockProxy, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Hold counts of this thread, by grid instance and lock name. */
    private static final ThreadLocal<Map<String, Integer>> HELD = ThreadLocal.withInitial(HashMap::new);

    private final transient Grid grid;
    final String name;
    final boolean reentrant;
    private final transient IMap<String, Boolean> locks;
    private final transient String key;

    ClusterLock(Grid grid, String name, boolean reentrant) {
        this.grid = grid;
        this.name = name;
        this.reentrant = reentrant;
        this.locks = grid.hz.getMap(Grid.LOCKS);
        this.key = grid.hz.getName() + "/" + name;
    }

    /** How many times this thread holds the lock. */
    int holdCount() {
        return HELD.get().getOrDefault(key, 0);
    }

    private void acquired() {
        HELD.get().merge(key, 1, Integer::sum);
    }

    private boolean refuseReentry() {
        return !reentrant && holdCount() > 0;
    }

    @Override
    public void lock() {
        if (refuseReentry()) {
            throw new IllegalStateException("lock '" + name + "' is not reentrant and this thread holds it already"
                    + " (it would wait for itself for ever); use an RLock");
        }
        locks.lock(name);
        acquired();
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        if (refuseReentry()) {
            lock(); // throws, with the reason
        }
        while (!tryLock(Grid.RECHECK_MILLIS, TimeUnit.MILLISECONDS)) {
            // the map lock's wait is not interruptible: wait in slices, each checking the interrupt
        }
    }

    @Override
    public boolean tryLock() {
        if (refuseReentry()) {
            return false;
        }
        if (locks.tryLock(name)) {
            acquired();
            return true;
        }
        return false;
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (refuseReentry()) {
            return false;
        }
        if (locks.tryLock(name, Math.max(0, time), unit)) {
            acquired();
            return true;
        }
        return false;
    }

    @Override
    public void unlock() {
        locks.unlock(name); // IllegalMonitorStateException when this thread is not the owner
        Map<String, Integer> held = HELD.get();
        held.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
    }

    @Override
    public String toString() {
        return (reentrant ? "RLock" : "Lock") + "('" + name + "', " + (locks.isLocked(name) ? "locked" : "unlocked") + ")";
    }

    @Serial
    Object writeReplace() {
        return new ClusterRef(reentrant ? ClusterRef.RLOCK : ClusterRef.LOCK, name);
    }
}
