package org.multiprocessing4j;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;

/**
 * A shared {@code double}: a {@link Value} of typecode 'd' with a typed, {@code java.util.concurrent.atomic}
 * style API ({@code double get()}, {@code set(double)}, atomic updates). Made by
 * {@code ctx.sharedDouble(initial)} with its own {@link RLock}, or {@code ctx.rawSharedDouble(initial)}
 * without one. Like every handle it can be passed to another process. Memory ordering, life
 * cycle and locking are those of {@link Value}.
 */
public final class SharedDouble implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The value this view types; serialised as its handle. */
    private final Value value;

    SharedDouble(Value value) {
        if (value.typeCode() != TypeCode.DOUBLE) {
            throw new IllegalArgumentException("SharedDouble needs typecode 'd', got '" + value.typeCode().code() + "'");
        }
        this.value = value;
    }

    /** The value. */
    public double get() {
        return value.getDouble();
    }

    /** Stores {@code v}. */
    public void set(double v) {
        value.set(v);
    }

    /** Atomically adds {@code delta}; returns the previous value. */
    public double getAndAdd(double delta) {
        return value.getAndAdd(delta);
    }

    /** Atomically adds {@code delta}; returns the new value. */
    public double addAndGet(double delta) {
        return getAndAdd(delta) + delta;
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
        if (value == null || value.typeCode() != TypeCode.DOUBLE) {
            throw new InvalidObjectException("SharedDouble of a value that is not typecode 'd'");
        }
    }

    @Override
    public String toString() {
        return "SharedDouble(" + get() + ")";
    }
}
