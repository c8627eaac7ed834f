package org.multiprocessing4j;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;

/**
 * A shared {@code double[]}: an {@link Array} of typecode 'd' with a typed API
 * ({@code double get(i)}, {@code set(i, double)}, {@code double[]} bulk copies). Made by
 * {@code ctx.sharedDoubleArray(length)} with its own {@link RLock}, or {@code ctx.rawSharedDoubleArray(length)}
 * without one. Element access, ordering, life cycle and locking are those of {@link Array}.
 */
public final class SharedDoubleArray implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The array this view types; serialised as its handle. */
    private final Array array;

    SharedDoubleArray(Array array) {
        if (array.typeCode() != TypeCode.DOUBLE) {
            throw new IllegalArgumentException("SharedDoubleArray needs typecode 'd', got '" + array.typeCode().code() + "'");
        }
        this.array = array;
    }

    /** The number of elements. */
    public int length() {
        return array.length();
    }

    /** Element {@code index}. */
    public double get(int index) {
        return array.getDouble(index);
    }

    /** Stores element {@code index}. */
    public void set(int index, double v) {
        array.setDouble(index, v);
    }

    /** Copies {@code count} elements of {@code source} from {@code sourceIndex} to {@code index} (one memcpy). */
    public void copyFrom(int index, double[] source, int sourceIndex, int count) {
        array.copyFrom(index, source, sourceIndex, count);
    }

    /** Copies {@code count} elements from {@code index} into {@code target} at {@code targetIndex} (one memcpy). */
    public void copyTo(int index, double[] target, int targetIndex, int count) {
        array.copyTo(index, target, targetIndex, count);
    }

    /** The elements as a new {@code double[]}. */
    public double[] toArray() {
        return (double[]) array.toArray();
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
        if (array == null || array.typeCode() != TypeCode.DOUBLE) {
            throw new InvalidObjectException("SharedDoubleArray of an array that is not typecode 'd'");
        }
    }

    @Override
    public String toString() {
        return "SharedDoubleArray(length=" + length() + ")";
    }
}
