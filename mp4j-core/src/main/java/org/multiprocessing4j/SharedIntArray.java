package org.multiprocessing4j;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;

/**
 * A shared {@code int[]}: an {@link Array} of typecode 'i' with a typed API
 * ({@code int get(i)}, {@code set(i, int)}, {@code int[]} bulk copies, atomic updates). Made by
 * {@code ctx.sharedIntArray(length)} with its own {@link RLock}, or {@code ctx.rawSharedIntArray(length)}
 * without one. Element access, ordering, life cycle and locking are those of {@link Array}.
 */
public final class SharedIntArray implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The array this view types; serialised as its handle. */
    private final Array array;

    SharedIntArray(Array array) {
        if (array.typeCode() != TypeCode.INT) {
            throw new IllegalArgumentException("SharedIntArray needs typecode 'i', got '" + array.typeCode().code() + "'");
        }
        this.array = array;
    }

    /** The number of elements. */
    public int length() {
        return array.length();
    }

    /** Element {@code index}. */
    public int get(int index) {
        return (int) array.getLong(index);
    }

    /** Stores element {@code index}. */
    public void set(int index, int v) {
        array.setLong(index, v);
    }

    /** Atomically adds {@code delta} to element {@code index}; returns the previous value. */
    public int getAndAdd(int index, int delta) {
        return (int) array.getAndAdd(index, delta);
    }

    /** Atomically adds 1 to element {@code index}; returns the new value. */
    public int incrementAndGet(int index) {
        return getAndAdd(index, 1) + 1;
    }

    /** Atomically sets element {@code index} to {@code update} when it is {@code expect}. */
    public boolean compareAndSet(int index, int expect, int update) {
        return array.compareAndSet(index, expect, update);
    }

    /** Copies {@code count} elements of {@code source} from {@code sourceIndex} to {@code index} (one memcpy). */
    public void copyFrom(int index, int[] source, int sourceIndex, int count) {
        array.copyFrom(index, source, sourceIndex, count);
    }

    /** Copies {@code count} elements from {@code index} into {@code target} at {@code targetIndex} (one memcpy). */
    public void copyTo(int index, int[] target, int targetIndex, int count) {
        array.copyTo(index, target, targetIndex, count);
    }

    /** The elements as a new {@code int[]}. */
    public int[] toArray() {
        return (int[]) array.toArray();
    }

    /** The lock for compound updates (see {@link Array#getLock()}). */
    public java.util.concurrent.locks.Lock getLock() {
        return array.getLock();
    }

    /** The untyped array (same memory). */
    public Array asArray() {
        return array;
    }

    @Serial
    private void readObject(ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (array == null || array.typeCode() != TypeCode.INT) {
            throw new InvalidObjectException("SharedIntArray of an array that is not typecode 'i'");
        }
    }

    @Override
    public String toString() {
        return "SharedIntArray(length=" + length() + ")";
    }
}
