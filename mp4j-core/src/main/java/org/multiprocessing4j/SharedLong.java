package org.multiprocessing4j;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;

/**
 * A shared {@code long}: a {@link Value} of typecode 'q' with a typed, {@code java.util.concurrent.atomic}
 * style API ({@code long get()}, {@code set(long)}, atomic updates). Made by
 * {@code ctx.sharedLong(initial)} with its own {@link RLock}, or {@code ctx.rawSharedLong(initial)}
 * without one. Like every handle it can be passed to another process. Memory ordering, life
 * cycle and locking are those of {@link Value}.
 */
public final class SharedLong implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The value this view types; serialised as its handle. */
    private final Value value;

    SharedLong(Value value) {
        if (value.typeCode() != TypeCode.LONG_LONG) {
            throw new IllegalArgumentException("SharedLong needs typecode 'q', got '" + value.typeCode().code() + "'");
        }
        this.value = value;
    }

    /** The value. */
    public long get() {
        return value.getLong();
    }

    /** Stores {@code v}. */
    public void set(long v) {
        value.set(v);
    }

    /** Atomically adds {@code delta}; returns the previous value. */
    public long getAndAdd(long delta) {
        return value.getAndAdd(delta);
    }

    /** Atomically adds {@code delta}; returns the new value. */
    public long addAndGet(long delta) {
        return getAndAdd(delta) + delta;
    }

    /** Atomically adds 1; returns the new value. */
    public long incrementAndGet() {
        return addAndGet(1);
    }

    /** Atomically subtracts 1; returns the new value. */
    public long decrementAndGet() {
        return addAndGet(-1);
    }

    /** Atomically sets {@code update} when the value is {@code expect}. */
    public boolean compareAndSet(long expect, long update) {
        return value.compareAndSet(expect, update);
    }

    /** The lock for compound updates (see {@link Value#getLock()}). */
    public java.util.concurrent.locks.Lock getLock() {
        return value.getLock();
    }

    /** The untyped value (same memory). */
    public Value asValue() {
        return value;
    }

    @Serial
    private void readObject(ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (value == null || value.typeCode() != TypeCode.LONG_LONG) {
            throw new InvalidObjectException("SharedLong of a value that is not typecode 'q'");
        }
    }

    @Override
    public String toString() {
        return "SharedLong(" + get() + ")";
    }
}
