package org.multiprocessing4j;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;

/**
 * A shared {@code int}: a {@link Value} of typecode 'i' with a typed, {@code java.util.concurrent.atomic}
 * style API ({@code int get()}, {@code set(int)}, atomic updates). Made by
 * {@code ctx.sharedInt(initial)} with its own {@link RLock}, or {@code ctx.rawSharedInt(initial)}
 * without one. Like every handle it can be passed to another process. Memory ordering, life
 * cycle and locking are those of {@link Value}.
 */
public final class SharedInt implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The value this view types; serialised as its handle. */
    private final Value value;

    SharedInt(Value value) {
        if (value.typeCode() != TypeCode.INT) {
            throw new IllegalArgumentException("SharedInt needs typecode 'i', got '" + value.typeCode().code() + "'");
        }
        this.value = value;
    }

    /** The value. */
    public int get() {
        return (int) value.getLong();
    }

    /** Stores {@code v}. */
    public void set(int v) {
        value.set(v);
    }

    /** Atomically adds {@code delta}; returns the previous value. */
    public int getAndAdd(int delta) {
        return (int) value.getAndAdd(delta);
    }

    /** Atomically adds {@code delta}; returns the new value. */
    public int addAndGet(int delta) {
        return getAndAdd(delta) + delta;
    }

    /** Atomically adds 1; returns the new value. */
    public int incrementAndGet() {
        return addAndGet(1);
    }

    /** Atomically subtracts 1; returns the new value. */
    public int decrementAndGet() {
        return addAndGet(-1);
    }

    /** Atomically sets {@code update} when the value is {@code expect}. */
    public boolean compareAndSet(int expect, int update) {
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
        if (value == null || value.typeCode() != TypeCode.INT) {
            throw new InvalidObjectException("SharedInt of a value that is not typecode 'i'");
        }
    }

    @Override
    public String toString() {
        return "SharedInt(" + get() + ")";
    }
}
