package org.multiprocessing4j;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Date;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.multiprocessing4j.internal.shm.Futex;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;
import org.multiprocessing4j.internal.shm.Waits;

/**
 * A condition variable shared by processes, over a {@link Lock} or an {@link RLock}: CPython's
 * {@code multiprocessing.Condition}, as a {@link java.util.concurrent.locks.Condition}.
 *
 * <pre>{@code
 * Condition ready = ctx.condition();            // over a new RLock, as CPython
 * ready.lock().lock();
 * try {
 *     ready.waitFor(() -> shared.getLong() > 0, Duration.ofSeconds(5));   // wait_for
 * } finally {
 *     ready.lock().unlock();
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Every wait and signal requires the calling thread to hold the lock
 *       ({@link IllegalMonitorStateException} otherwise; CPython's {@code RuntimeError}). With an
 *       RLock, a wait releases all holds and restores them after.
 *   <li>{@link #signal()} wakes one thread that was waiting when it was called, {@link #signalAll()}
 *       all of them (CPython: {@code notify()}, {@code notify_all()}). As with every Java
 *       {@code Condition}, a wait may also return without a signal (a spurious wake-up): wait in
 *       a loop, or use {@link #waitFor}.
 *   <li>Interrupts are noticed within 20 ms; the lock is held again when any wait returns or throws.
 * </ul>
 *
 * <h2>Layout (payload of its segment)</h2>
 * <pre>
 *  0  seq int       incremented by each signal; the futex word    volatile
 *  4  sleepers int  threads waiting                               getAndAdd (volatile)
 *  8  wakeups int   signals not yet taken by a waiter             CAS / getAndAdd (volatile)
 * </pre>
 * A waiter counts itself in {@code sleepers} while it still holds the lock, remembers {@code seq},
 * releases the lock and sleeps expecting that {@code seq}. A signal (under the lock) adds a
 * wake-up when there are more sleepers than wake-ups, increments {@code seq} and wakes one
 * sleeper. A waiter that sees {@code seq} changed since it began takes a wake-up with a CAS;
 * when others took them all, it waits on. A thread that starts waiting after a signal sees the
 * new {@code seq} and cannot take that signal's wake-up.
 */
public final class Condition implements java.util.concurrent.locks.Condition, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final long SEQ = 0;
    private static final long SLEEPERS = 4;
    private static final long WAKEUPS = 8;
    private static final int BYTES = 16;
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final transient SharedRef ref;
    private final transient SharedLock lock;
    private final transient MemorySegment mem;
    private final transient long seqAddress;

    Condition(SharedLock lock) {
        Segment s = Segments.create(SharedRef.CONDITION, BYTES);
        this.lock = lock != null ? lock : new RLock();
        this.ref = new SharedRef(SharedRef.CONDITION, s.name(), this.lock, null);
        this.mem = s.payload();
        this.seqAddress = s.address(SEQ);
        SharedRef.track(this, s);
    }

    Condition(SharedRef ref) {
        Segment s = ref.attach();
        this.ref = ref;
        this.lock = Objects.requireNonNull(ref.lock(), "condition without a lock");
        this.mem = s.payload();
        this.seqAddress = s.address(SEQ);
        SharedRef.track(this, s);
    }

    /** The lock this condition uses: a {@link Lock} or an {@link RLock}. */
    public java.util.concurrent.locks.Lock lock() {
        return lock;
    }

    private void checkHeld(String what) {
        if (!lock.heldForCondition()) {
            throw new IllegalMonitorStateException("cannot " + what + " on un-acquired lock: " + lock);
        }
    }

    /**
     * Releases the lock, waits for a signal or the deadline, re-acquires the lock.
     *
     * @return true when signalled
     */
    private boolean block(long deadline, boolean interruptible) throws InterruptedException {
        checkHeld("wait");
        int seen = (int) INT.getVolatile(mem, SEQ);
        INT.getAndAdd(mem, SLEEPERS, 1);
        int saved = lock.releaseForWait();
        boolean signalled = false;
        boolean interrupted = false;
        try {
            for (;;) {
                int now = (int) INT.getVolatile(mem, SEQ);
                if (now != seen) {
                    int w = (int) INT.getVolatile(mem, WAKEUPS);
                    if (w > 0 && INT.compareAndSet(mem, WAKEUPS, w, w - 1)) {
                        signalled = true;
                        break;
                    }
                    if (w > 0) {
                        continue; // lost a CAS race: look again
                    }
                    seen = now; // those signals were taken by others
                }
                if (Thread.interrupted()) {
                    interrupted = true;
                    if (interruptible) {
                        break;
                    }
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    break;
                }
                Futex.await(seqAddress, seen, Math.min(Waits.SLICE_NANOS, remaining));
            }
        } finally {
            INT.getAndAdd(mem, SLEEPERS, -1);
            lock.restoreAfterWait(saved);
            if (!signalled) {
                clampWakeups();
            }
        }
        if (interrupted) {
            if (interruptible && !signalled) {
                throw new InterruptedException();
            }
            Thread.currentThread().interrupt();
        }
        return signalled;
    }

    /** Under the lock: no more pending wake-ups than waiters (a waiter that gave up leaves its own). */
    private void clampWakeups() {
        for (;;) {
            int w = (int) INT.getVolatile(mem, WAKEUPS);
            int s = (int) INT.getVolatile(mem, SLEEPERS);
            if (w <= s || INT.compareAndSet(mem, WAKEUPS, w, s)) {
                return;
            }
        }
    }

    /** Waits for a signal (CPython: {@code wait()}). */
    @Override
    public void await() throws InterruptedException {
        block(Long.MAX_VALUE, true);
    }

    /** Waits for a signal; an interrupt is kept for later. */
    @Override
    public void awaitUninterruptibly() {
        try {
            block(Long.MAX_VALUE, false);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public long awaitNanos(long nanosTimeout) throws InterruptedException {
        long deadline = Waits.deadline(Math.max(0, nanosTimeout));
        block(deadline, true);
        return deadline - System.nanoTime();
    }

    @Override
    public boolean await(long time, TimeUnit unit) throws InterruptedException {
        return await(Duration.of(time, unit.toChronoUnit()));
    }

    /**
     * Waits for a signal, at most {@code timeout} (CPython: {@code wait(timeout)}).
     *
     * @return false when the timeout passed without a signal
     */
    public boolean await(Duration timeout) throws InterruptedException {
        return block(Waits.deadline(Math.max(0, timeout.toNanos())), true);
    }

    @Override
    public boolean awaitUntil(Date deadline) throws InterruptedException {
        return await(Duration.ofMillis(deadline.getTime() - System.currentTimeMillis()));
    }

    /**
     * Waits until {@code predicate} is true, at most {@code timeout} (CPython: {@code wait_for}).
     * The predicate is evaluated with the lock held, first before any wait.
     *
     * @return the predicate's last value
     */
    public boolean waitFor(BooleanSupplier predicate, Duration timeout) throws InterruptedException {
        long deadline = Waits.deadline(Math.max(0, timeout.toNanos()));
        boolean result = predicate.getAsBoolean();
        while (!result) {
            if (deadline - System.nanoTime() <= 0) {
                break;
            }
            block(deadline, true);
            result = predicate.getAsBoolean();
        }
        return result;
    }

    /** Waits until {@code predicate} is true, however long it takes. */
    public void waitFor(BooleanSupplier predicate) throws InterruptedException {
        while (!predicate.getAsBoolean()) {
            block(Long.MAX_VALUE, true);
        }
    }

    /** Wakes one waiting thread, in any process (CPython: {@code notify()}). */
    @Override
    public void signal() {
        checkHeld("notify");
        wakeUp(1);
    }

    /** Wakes every waiting thread (CPython: {@code notify_all()}). */
    @Override
    public void signalAll() {
        checkHeld("notify");
        wakeUp(Integer.MAX_VALUE);
    }

    private void wakeUp(int n) {
        int sleepers = (int) INT.getVolatile(mem, SLEEPERS);
        int w = (int) INT.getVolatile(mem, WAKEUPS);
        int add = (int) Math.min((long) n, (long) sleepers - w);
        if (add <= 0) {
            return;
        }
        INT.getAndAdd(mem, WAKEUPS, add);
        INT.getAndAdd(mem, SEQ, 1);
        Futex.wake(seqAddress, add);
    }

    @Override
    public String toString() {
        return "<Condition(" + ref.segment() + ", " + lock + ", waiters=" + (int) INT.getVolatile(mem, SLEEPERS) + ")>";
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
