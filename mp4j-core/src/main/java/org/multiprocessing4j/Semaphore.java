package org.multiprocessing4j;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import org.multiprocessing4j.internal.shm.Futex;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;
import org.multiprocessing4j.internal.shm.Waits;

/**
 * A counting semaphore shared by processes: CPython's {@code multiprocessing.Semaphore}, with
 * the method names of {@link java.util.concurrent.Semaphore}.
 *
 * <pre>{@code
 * Semaphore rooms = ctx.semaphore(4);      // four KTV rooms
 * try (Held room = rooms.hold()) {         // with rooms:
 *     sing();
 * }
 * }</pre>
 *
 * <p>A semaphore has no owner: any process may release. Waiting spins briefly, then sleeps on a
 * futex (no CPU while blocked); interrupts are noticed within 20 ms. Actions before a
 * {@link #release()} happen-before the actions after the {@link #acquire()} that takes that
 * permit, across processes. Life cycle and serialisation are those of {@link Lock}.
 *
 * <h2>Layout (payload of its segment)</h2>
 * <pre>
 *  0  value int     the futex word: permits available     CAS / getAndAdd (volatile)
 *  4  sleepers int  threads sleeping or about to sleep    getAndAdd (volatile)
 *  8  max int       BoundedSemaphore's initial value, else 0 (written at creation)
 * </pre>
 * A waiter increments {@code sleepers} and then sleeps expecting {@code value == 0}; a releaser
 * adds to {@code value} and then reads {@code sleepers}. Both are sequentially consistent, so
 * either the releaser sees the sleeper and wakes it, or the sleeper's futex check sees the
 * permit: no lost wake-up, and no wake when nobody sleeps.
 */
public sealed class Semaphore implements Serializable permits BoundedSemaphore {
    @Serial
    private static final long serialVersionUID = 1L;
    static final long VALUE = 0;
    static final long SLEEPERS = 4;
    static final long MAX = 8;
    static final int BYTES = 16;
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final transient SharedRef ref;
    final transient MemorySegment mem;
    private final transient long valueAddress;

    Semaphore(int kind, int permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("semaphore initial value must be >= 0, got " + permits);
        }
        Segment s = Segments.create(kind, BYTES);
        this.ref = new SharedRef(kind, s.name());
        this.mem = s.payload();
        this.valueAddress = s.address(VALUE);
        mem.set(JAVA_INT, VALUE, permits);
        mem.set(JAVA_INT, MAX, kind == SharedRef.BOUNDED_SEMAPHORE ? permits : 0);
        SharedRef.track(this, s);
    }

    Semaphore(SharedRef ref) {
        Segment s = ref.attach();
        this.ref = ref;
        this.mem = s.payload();
        this.valueAddress = s.address(VALUE);
        SharedRef.track(this, s);
    }

    /** Takes a permit, waiting as long as it takes (CPython: {@code acquire()}). */
    public void acquire() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        take(Long.MAX_VALUE, true);
    }

    /** Takes a permit, waiting as long as it takes; an interrupt is kept for later. */
    public void acquireUninterruptibly() {
        try {
            take(Long.MAX_VALUE, false);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Takes a permit if one is free now (CPython: {@code acquire(block=False)}). */
    public boolean tryAcquire() {
        for (;;) {
            int v = (int) INT.getVolatile(mem, VALUE);
            if (v <= 0) {
                return false;
            }
            if (INT.compareAndSet(mem, VALUE, v, v - 1)) {
                return true;
            }
        }
    }

    /** Takes a permit, waiting at most {@code timeout} (CPython: {@code acquire(timeout=...)}). */
    public boolean tryAcquire(Duration timeout) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return take(Waits.deadline(Math.max(0, timeout.toNanos())), true);
    }

    private boolean take(long deadline, boolean interruptible) throws InterruptedException {
        int attempt = 0;
        long spinStart = System.nanoTime();
        boolean interrupted = false;
        try {
            for (;;) {
                if (tryAcquire()) {
                    return true;
                }
                if (spinStart != 0 && Waits.spin(++attempt, spinStart)) {
                    continue;
                }
                spinStart = 0;
                if (Thread.interrupted()) {
                    if (interruptible) {
                        throw new InterruptedException();
                    }
                    interrupted = true;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                INT.getAndAdd(mem, SLEEPERS, 1);
                Futex.await(valueAddress, 0, Math.min(Waits.SLICE_NANOS, remaining));
                INT.getAndAdd(mem, SLEEPERS, -1);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Returns a permit (CPython: {@code release()}); any process may release. */
    public void release() {
        for (;;) {
            int v = (int) INT.getVolatile(mem, VALUE);
            checkRelease(v);
            if (INT.compareAndSet(mem, VALUE, v, v + 1)) {
                break;
            }
        }
        if ((int) INT.getVolatile(mem, SLEEPERS) > 0) {
            Futex.wake(valueAddress, 1);
        }
    }

    /** Throws when releasing on top of {@code value} is not allowed. */
    void checkRelease(int value) {
        if (value == Integer.MAX_VALUE) {
            throw new IllegalStateException("semaphore value would overflow: " + this);
        }
    }

    /** Takes a permit and returns a {@link Held} that returns it in try-with-resources (CPython: {@code with sem:}). */
    public Held hold() {
        acquireUninterruptibly();
        return this::release;
    }

    /** The permits available now (CPython: {@code get_value()}). */
    public int availablePermits() {
        return (int) INT.getVolatile(mem, VALUE);
    }

    SharedRef ref() {
        return ref;
    }

    @Override
    public String toString() {
        return "<" + getClass().getSimpleName() + "(" + ref.segment() + ", value=" + availablePermits() + ")>";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Semaphore s && s.ref.equals(ref);
    }

    @Override
    public int hashCode() {
        return ref.hashCode();
    }

    @Serial
    final Object writeReplace() { // package-private, so that BoundedSemaphore is replaced too
        return ref;
    }

    /** Serialisation proxy: a handle is only ever deserialised through its {@link SharedRef}. */
    @Serial
    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("a " + getClass().getSimpleName() + " is deserialised through its SharedRef only");
    }
}
