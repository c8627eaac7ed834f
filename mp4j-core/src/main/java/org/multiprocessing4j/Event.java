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
 * A flag that processes wait for: CPython's {@code multiprocessing.Event}.
 *
 * <pre>{@code
 * Event green = ctx.event();
 * // car process:           light process:
 * green.await();            green.set(); ... green.clear();
 * }</pre>
 *
 * <p>Actions before {@link #set()} happen-before the return of an {@link #await} that sees the
 * flag set, across processes. Waiting spins briefly, then sleeps on a futex; interrupts are
 * noticed within 20 ms. Life cycle and serialisation are those of {@link Lock}.
 *
 * <h2>Layout (payload of its segment)</h2>
 * <pre>
 *  0  flag int      0 clear, 1 set; the futex word       volatile load / store
 *  4  sleepers int  threads sleeping or about to sleep   getAndAdd (volatile)
 * </pre>
 * {@code set} stores 1 and then reads {@code sleepers} (both sequentially consistent); a waiter
 * increments {@code sleepers} and then sleeps expecting 0: no lost wake-up, no wake when nobody
 * sleeps.
 */
public final class Event implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final long FLAG = 0;
    private static final long SLEEPERS = 4;
    private static final int BYTES = 8;
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final transient SharedRef ref;
    private final transient MemorySegment mem;
    private final transient long flagAddress;

    Event() {
        this(Segments.create(SharedRef.EVENT, BYTES), null);
    }

    Event(SharedRef ref) {
        this(ref.attach(), ref);
    }

    private Event(Segment s, SharedRef ref) {
        this.ref = ref != null ? ref : new SharedRef(SharedRef.EVENT, s.name());
        this.mem = s.payload();
        this.flagAddress = s.address(FLAG);
        SharedRef.track(this, s);
    }

    /** True when the flag is set (CPython: {@code is_set()}). */
    public boolean isSet() {
        return (int) INT.getVolatile(mem, FLAG) != 0;
    }

    /** Sets the flag and wakes every waiter (CPython: {@code set()}). */
    public void set() {
        INT.setVolatile(mem, FLAG, 1);
        if ((int) INT.getVolatile(mem, SLEEPERS) > 0) {
            Futex.wake(flagAddress, Integer.MAX_VALUE);
        }
    }

    /** Clears the flag (CPython: {@code clear()}). */
    public void clear() {
        INT.setVolatile(mem, FLAG, 0);
    }

    /** Waits until the flag is set (CPython: {@code wait()}). */
    public void await() throws InterruptedException {
        await(Long.MAX_VALUE);
    }

    /**
     * Waits until the flag is set, at most {@code timeout} (CPython: {@code wait(timeout)}).
     *
     * @return the flag on return: false only when the timeout passed
     */
    public boolean await(Duration timeout) throws InterruptedException {
        return await(Waits.deadline(Math.max(0, timeout.toNanos())));
    }

    private boolean await(long deadline) throws InterruptedException {
        int attempt = 0;
        long spinStart = System.nanoTime();
        for (;;) {
            if (isSet()) {
                return true;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (spinStart != 0 && Waits.spin(++attempt, spinStart)) {
                continue;
            }
            spinStart = 0;
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            INT.getAndAdd(mem, SLEEPERS, 1);
            Futex.await(flagAddress, 0, Math.min(Waits.SLICE_NANOS, remaining));
            INT.getAndAdd(mem, SLEEPERS, -1);
        }
    }

    SharedRef ref() {
        return ref;
    }

    @Override
    public String toString() {
        return "<Event(" + ref.segment() + ", " + (isSet() ? "set" : "unset") + ")>";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Event e && e.ref.equals(ref);
    }

    @Override
    public int hashCode() {
        return ref.hashCode();
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
