package org.multiprocessing4j;

import java.io.IOException;
import java.util.AbstractList;
import java.util.Objects;
import java.util.RandomAccess;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * The values of a {@link Pool#map} (and {@code starmap}, {@code mapAsync}) as the unmodifiable
 * list it returns: one part per task, in order; also one task's values alone (an imap chunk, an
 * apply's one value), as a list of one part. A part whose values are all {@code Long}, all
 * {@code Integer} or all {@code Double} is kept as a {@code long[]} and boxed when read; any
 * other part as an {@code Object[]}.
 *
 * <p>Why: a map of a million small values made a million boxes that live about as long as the
 * map, long enough for the parent's young collections to copy them (measured,
 * {@code Pool(2).map(square, 1,000,000 ints)}: G1 pauses of 65-150 ms with most of the young
 * generation surviving, and rounds of 50-200 ms where the others took 16-20). A {@code long[]}
 * holds no references: nothing in it is traced or copied.
 *
 * <p>Parts are written by the pool's reader threads, each part by one thread, before the map's
 * count of outstanding items reaches zero (an atomic decrement), and read only after that:
 * the decrement orders every write before the result is handed out. Reading boxes each time
 * ({@code get(i) == get(i)} may be false for large values, as for any freshly boxed number).
 */
final class MapResult extends AbstractList<Object> implements RandomAccess {
    // PoolWire's value tags of the kinds kept unboxed
    private static final byte INT = 2;
    private static final byte LONG = 3;
    private static final byte DOUBLE = 4;

    private final int size;
    /** Items per task: every part but the last has this many. */
    private final int partSize;
    /** Per part: a long[] (see {@link #kinds}) or an Object[]. */
    private final Object[] parts;
    /** Per part: the tag of the values of a long[] part, 0 for an Object[] part. */
    private final byte[] kinds;

    MapResult(int size, int partSize) {
        if (size < 0 || partSize < 1) {
            throw new IllegalArgumentException("size " + size + ", part size " + partSize);
        }
        this.size = size;
        this.partSize = partSize;
        int count = (int) (((long) size + partSize - 1) / partSize);
        this.parts = new Object[count];
        this.kinds = new byte[count];
    }

    /**
     * Reads the {@code n} values of the task whose first item is {@code index} from {@code in}.
     * A value that cannot be decoded is left null and the others are read (the message stays
     * readable after it).
     *
     * @return the first value's failure, or null when all were read
     */
    SerializationException read(int index, int n, PoolWire.In in, Codec codec) throws IOException {
        int part = index / partSize;
        if (index % partSize != 0 || n != Math.min(partSize, size - index)) {
            throw new IOException("malformed pool message: " + n + " values for the task at item " + index);
        }
        byte tag = n > 0 ? in.peekByte() : 0;
        if (tag != INT && tag != LONG && tag != DOUBLE) {
            return readObjects(new Object[n], 0, part, in, codec);
        }
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            if (in.peekByte() != tag) {
                // another kind of value: the part is kept as objects from here
                Object[] objects = new Object[n];
                for (int j = 0; j < i; j++) {
                    objects[j] = box(tag, values[j]);
                }
                return readObjects(objects, i, part, in, codec);
            }
            in.readByte();
            values[i] = tag == INT ? in.readInt() : in.readLong();
        }
        kinds[part] = tag;
        parts[part] = values;
        return null;
    }

    private SerializationException readObjects(Object[] objects, int from, int part, PoolWire.In in, Codec codec)
            throws IOException {
        SerializationException failure = null;
        for (int i = from; i < objects.length; i++) {
            try {
                objects[i] = PoolWire.readValue(in, codec);
            } catch (SerializationException e) {
                failure = failure == null ? e : failure;
            }
        }
        parts[part] = objects;
        return failure;
    }

    private static Object box(byte tag, long v) {
        return switch (tag) {
            case INT -> (int) v;
            case LONG -> v;
            default -> Double.longBitsToDouble(v);
        };
    }

    @Override
    public Object get(int index) {
        Objects.checkIndex(index, size);
        int part = index / partSize;
        int at = index - part * partSize;
        byte kind = kinds[part];
        return kind == 0 ? ((Object[]) parts[part])[at] : box(kind, ((long[]) parts[part])[at]);
    }

    @Override
    public int size() {
        return size;
    }
}
