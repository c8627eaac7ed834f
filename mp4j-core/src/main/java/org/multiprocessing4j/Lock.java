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
 * A lock shared by processes: CPython's {@code multiprocessing.Lock}, as a
 * {@link java.util.concurrent.locks.Lock}.
 *
 * <pre>{@code
 * Lock lock = ctx.lock();
 * Process p = ctx.process(Demo::book, lock);   // the lock travels as an argument
 * try (Held held = lock.hold()) {              // with lock:
 *     ...
 * }
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>Not reentrant: a second {@link #lock()} by the holder waits for ever, as in CPython.
 *       Use {@link RLock} for a reentrant lock with an owner thread.
 *   <li>As in CPython, a Lock is not owned by a thread: any thread of any process may release a
 *       locked Lock. Releasing an unlocked Lock throws {@link IllegalMonitorStateException}
 *       (CPython's {@code ValueError}).
 *   <li>Robust, which CPython is not: when the holding process dies (crash, {@code kill -9}), a
 *       waiting process takes the lock over within 100 ms, and {@link #previousOwnerDied()} tells
 *       the new holder so that it can repair the state the lock protects.
 *   <li>Unfair: a releasing thread may take the lock again before a sleeping one wakes (the fast
 *       choice, like {@code ReentrantLock}'s default).
 *   <li>Waiting spins for a few microseconds, then sleeps on a futex: a blocked process uses no
 *       CPU. {@link #lockInterruptibly()} and the timed {@link #tryLock} notice an interrupt within
 *       20 ms (a futex sleep cannot be interrupted; waits are sliced).
 * </ul>
 *
 * <h2>Memory consistency</h2>
 * Actions of a process before it releases the lock happen-before actions of the process that
 * acquires it next, for every access to shared memory made through this library (the release is
 * a volatile write, the acquire a CAS, on the same word of a shared mapping).
 *
 * <h2>Life cycle</h2>
 * The lock lives in a shared-memory segment that is removed when no process uses it any more:
 * every process that has a {@code Lock} object for it (made here, or received as an argument)
 * counts as a user until the object is garbage collected or the process ends, in any way.
 *
 * <p>Serialising a Lock (as an argument of a process, a field of a process subclass, a queue
 * item) sends its name; the receiving process attaches the same lock.
 */
public final class Lock implements SharedLock, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient SharedRef ref;
    private final transient Mutex mutex;

    Lock() {
        Segment s = Segments.create(SharedRef.LOCK, Mutex.BYTES);
        this.ref = new SharedRef(SharedRef.LOCK, s.name());
        this.mutex = new Mutex(s, 0);
        SharedRef.track(this, s);
    }

    Lock(SharedRef ref) {
        Segment s = ref.attach();
        this.ref = ref;
        this.mutex = new Mutex(s, 0);
        SharedRef.track(this, s);
    }

    /** Acquires, waiting as long as it takes (CPython: {@code acquire()}). Interrupts are kept for later. */
    @Override
    public void lock() {
        try {
            mutex.acquire(-1, false);
        } catch (InterruptedException e) {
            throw new AssertionError(e); // not interruptible
        }
    }

    /** Acquires unless the thread is interrupted while waiting. */
    @Override
    public void lockInterruptibly() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        mutex.acquire(-1, true);
    }

    /** Acquires if free now (CPython: {@code acquire(block=False)}). */
    @Override
    public boolean tryLock() {
        return mutex.tryAcquire();
    }

    /** Acquires, waiting at most {@code time} (CPython: {@code acquire(timeout=...)}). */
    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        return tryLock(Duration.of(time, unit.toChronoUnit()));
    }

    /** Acquires, waiting at most {@code timeout}. */
    public boolean tryLock(Duration timeout) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return mutex.acquire(Math.max(0, timeout.toNanos()), true);
    }

    /**
     * Releases (CPython: {@code release()}); any thread of any process may release a locked Lock.
     *
     * @throws IllegalMonitorStateException when the lock is not locked
     */
    @Override
    public void unlock() {
        if (!mutex.isLocked() || !mutex.release()) {
            throw new IllegalMonitorStateException("release of an unlocked lock: " + this);
        }
    }

    /** Acquires and returns a {@link Held} that releases in try-with-resources (CPython: {@code with lock:}). */
    public Held hold() {
        lock();
        return this::unlock;
    }

    /** A new {@link Condition} bound to this lock, shareable between processes like the lock. */
    @Override
    public Condition newCondition() {
        return new Condition(this);
    }

    /** True when some process holds the lock (a snapshot). */
    public boolean isLocked() {
        return mutex.isLocked();
    }

    /**
     * True while this process holds the lock after taking it over from a process that died
     * holding it: the state the lock protects may be half-updated. Cleared by {@link #unlock()}.
     */
    public boolean previousOwnerDied() {
        return mutex.heldByThisProcess() && mutex.tookOver();
    }

    @Override
    public boolean heldForCondition() {
        return mutex.heldByThisProcess();
    }

    @Override
    public int releaseForWait() {
        unlock();
        return 0;
    }

    @Override
    public void restoreAfterWait(int saved) {
        lock();
    }

    @Override
    public SharedRef ref() {
        return ref;
    }

    /** CPython's diagnostic form: {@code <Lock(owner=pid 1234)>} or {@code <Lock(owner=None)>}. */
    @Override
    public String toString() {
        int pid = mutex.ownerPid();
        return "<Lock(" + ref.segment() + ", owner=" + (pid == 0 ? "None" : "pid " + pid) + ")>";
    }

    /** Same lock (same segment). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Lock l && l.ref.segment().equals(ref.segment());
    }

    @Override
    public int hashCode() {
        return Objects.hash(ref.segment());
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
