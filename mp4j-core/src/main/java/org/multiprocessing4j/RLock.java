package org.multiprocessing4j;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.internal.shm.Mutex;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * A reentrant lock shared by processes and owned by one thread of one process: CPython's
 * {@code multiprocessing.RLock}, as a {@link java.util.concurrent.locks.Lock}.
 *
 * <ul>
 *   <li>The owner may acquire again; it must release as many times ({@link #getHoldCount()}).
 *   <li>Releasing from a thread that does not own it throws {@link IllegalMonitorStateException}
 *       (CPython: {@code AssertionError: attempt to release recursive lock not owned by thread}).
 *   <li>Robust: when the owning process dies, a waiter takes the lock over within 100 ms with a
 *       hold count of 1, and {@link #previousOwnerDied()} tells it so.
 * </ul>
 * Waiting, memory consistency, life cycle and serialisation are those of {@link Lock}.
 *
 * <h2>Layout</h2>
 * One {@link Mutex} record; its {@code ownerThread} and {@code count} fields are written only by
 * the owner, with plain stores ordered by the mutex's acquire and release.
 */
public final class RLock implements SharedLock, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient SharedRef ref;
    private final transient Mutex mutex;

    RLock() {
        Segment s = Segments.create(SharedRef.RLOCK, Mutex.BYTES);
        this.ref = new SharedRef(SharedRef.RLOCK, s.name());
        this.mutex = new Mutex(s, 0);
        SharedRef.track(this, s);
    }

    RLock(SharedRef ref) {
        this(ref.attach(), ref, 0);
    }

    /** The RLock a ref of a Value's or Array's own lock names: the mutex record at {@code offset} of that segment. */
    static RLock embedded(SharedRef ref, long offset) {
        Segment s = Segments.attach(ref.segment(), -1);
        if (s.kind() != SharedRef.VALUE && s.kind() != SharedRef.ARRAY) {
            Segments.release(s);
            throw new IllegalStateException("segment " + ref.segment() + " holds no embedded lock (kind " + s.kind() + ")");
        }
        return new RLock(s, ref, offset);
    }

    /**
     * The own lock of a Value or Array (its mutex record at payload offset 0), one more user of
     * its segment.
     *
     * @throws IllegalStateException when it has none (a raw value or array)
     */
    static RLock ownLockOf(Segment segment, SharedRef ref, boolean hasOwnLock, Object owner) {
        if (!hasOwnLock) {
            throw new IllegalStateException("a raw value or array has no lock (made by rawValue/rawArray, or with lock=false): "
                    + owner);
        }
        Segments.retain(segment);
        return new RLock(segment, new SharedRef(SharedRef.RLOCK, ref.segment(), null, 0L), 0);
    }

    /** An RLock over the mutex record at {@code offset} of {@code segment} (the lock of a Value or Array). */
    RLock(Segment segment, SharedRef ref, long offset) {
        this.ref = ref;
        this.mutex = new Mutex(segment, offset);
        SharedRef.track(this, segment);
    }

    private boolean owned() {
        return mutex.heldByThisProcess() && mutex.ownerThread() == Thread.currentThread().threadId();
    }

    private boolean reenter() {
        if (owned()) {
            int n = mutex.count();
            if (n == Integer.MAX_VALUE) {
                throw new Error("maximum lock count exceeded");
            }
            mutex.count(n + 1);
            return true;
        }
        return false;
    }

    private void acquired() {
        mutex.ownerThread(Thread.currentThread().threadId());
        mutex.count(1);
    }

    /** Acquires or re-enters, waiting as long as it takes. */
    @Override
    public void lock() {
        if (reenter()) {
            return;
        }
        try {
            mutex.acquire(-1, false);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        acquired();
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (!reenter()) {
            mutex.acquire(-1, true);
            acquired();
        }
    }

    @Override
    public boolean tryLock() {
        if (reenter()) {
            return true;
        }
        if (mutex.tryAcquire()) {
            acquired();
            return true;
        }
        return false;
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        return tryLock(Duration.of(time, unit.toChronoUnit()));
    }

    /** Acquires or re-enters, waiting at most {@code timeout}. */
    public boolean tryLock(Duration timeout) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (reenter()) {
            return true;
        }
        if (mutex.acquire(Math.max(0, timeout.toNanos()), true)) {
            acquired();
            return true;
        }
        return false;
    }

    /**
     * Releases one hold; the lock is free when the count reaches 0.
     *
     * @throws IllegalMonitorStateException when the calling thread does not own the lock
     */
    @Override
    public void unlock() {
        if (!owned()) {
            throw new IllegalMonitorStateException("attempt to release recursive lock not owned by thread: " + this);
        }
        int n = mutex.count() - 1;
        mutex.count(n);
        if (n == 0) {
            mutex.ownerThread(0);
            mutex.release();
        }
    }

    /** Acquires and returns a {@link Held} for try-with-resources (CPython: {@code with rlock:}). */
    public Held hold() {
        lock();
        return this::unlock;
    }

    @Override
    public Condition newCondition() {
        return new Condition(this);
    }

    /** True when the calling thread owns the lock. */
    public boolean isHeldByCurrentThread() {
        return owned();
    }

    /** How many times the calling thread holds the lock (0 when it does not own it). */
    public int getHoldCount() {
        return owned() ? mutex.count() : 0;
    }

    /** True when some process holds the lock (a snapshot). */
    public boolean isLocked() {
        return mutex.isLocked();
    }

    /** True while the calling thread owns the lock after taking it over from a process that died holding it. */
    public boolean previousOwnerDied() {
        return owned() && mutex.tookOver();
    }

    @Override
    public boolean heldForCondition() {
        return owned();
    }

    @Override
    public int releaseForWait() {
        int n = mutex.count();
        mutex.count(1);
        unlock();
        return n;
    }

    @Override
    public void restoreAfterWait(int saved) {
        lock();
        mutex.count(saved);
    }

    @Override
    public SharedRef ref() {
        return ref;
    }

    /** CPython's diagnostic form, e.g. {@code <RLock(owner=pid 1234 thread 1, count=2)>}. */
    @Override
    public String toString() {
        int pid = mutex.ownerPid();
        return "<RLock(" + ref.segment() + ", owner=" + (pid == 0 ? "None" : "pid " + pid
                + (mutex.heldByThisProcess() ? " thread " + mutex.ownerThread() : "")) + ")>";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RLock l && l.ref.equals(ref);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ref);
    }

    /** The serial form (package-private: {@link HandleForm} writes it for process payloads). */
    @Serial
    Object writeReplace() {
        return ref;
    }

    /** Serialisation proxy: a handle is only ever deserialised through its {@link SharedRef}. */
    @Serial
    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("a " + getClass().getSimpleName() + " is deserialised through its SharedRef only");
    }
}
