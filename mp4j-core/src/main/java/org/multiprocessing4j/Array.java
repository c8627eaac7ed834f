package org.multiprocessing4j;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * A fixed-length array of numbers in shared memory: CPython's
 * {@code multiprocessing.Array(typecode, size_or_initializer, lock)} and {@code RawArray}, with
 * atomic element operations and bulk copies at memory speed.
 *
 * <pre>{@code
 * Array a = ctx.rawArray('d', 1_000_000);          // RawArray('d', 1000000)
 * a.setDouble(0, 3.5);                              // a[0] = 3.5
 * a.copyFrom(0, source, 0, source.length);          // a[:] = source (one memcpy)
 * }</pre>
 *
 * <ul>
 *   <li>Element reads and writes ({@link #get}, {@link #getDouble}, {@link #setDouble} ...) are
 *       single aligned plain accesses: an element is never torn, and loops over elements run at
 *       memory speed, but they order nothing by themselves (as CPython's ctypes arrays). Publish
 *       what you wrote through a lock, an {@link Event}, a semaphore or the end of the writing
 *       process; do not spin on an element (the JIT may read it once). Compound updates need
 *       {@link #getLock()} or the atomic {@link #getAndAdd}/{@link #compareAndSet}.
 *   <li>Bulk copies ({@link #copyFrom}, {@link #copyTo}) move a range between a Java array of the
 *       type's class (see {@link TypeCode}) and shared memory with one {@code memcpy}; they are
 *       not atomic as a whole. {@link #asSegment()} is the memory itself, for code that wants
 *       {@code java.lang.foreign}.
 *   <li>Index out of range: {@link IndexOutOfBoundsException}; a Java array of the wrong class:
 *       {@link IllegalArgumentException}.
 * </ul>
 * Locks, life cycle and serialisation are those of {@link Value}.
 *
 * <h2>Layout (payload of its segment)</h2>
 * <pre>
 *  0  lock      Mutex record of its own RLock (unused for a raw array or a given lock)
 * 32  typecode int   written at creation
 * 36  ownLock int    1 when the record at 0 is this array's lock; written at creation
 * 40  length long    written at creation
 * 64  elements       length x typecode size, 64-aligned; plain loads and stores, CAS for the
 *                    atomic operations
 * </pre>
 */
public final class Array implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final long TYPECODE = 32;
    private static final long OWN_LOCK = 36;
    private static final long LENGTH = 40;
    private static final long DATA = 64;

    private final transient SharedRef ref;
    private final transient Segment segment;
    private final transient MemorySegment mem;
    private final transient MemorySegment data;
    /**
     * {@link #data} for a {@code 'd'} array, else null: the common case in a form small enough
     * ({@link #getDouble}, {@link #setDouble}: under 35 bytes of bytecode) that C1 inlines it too,
     * so that a loop over the elements is fast before C2 has compiled it (measured: a 1,000,000
     * element sum in its C1 phase took 3.7-4.5 ms, 1.3-1.6 ms on a raw segment).
     */
    private final transient MemorySegment doubles;
    private final transient TypeCode type;
    private final transient int size;
    private final transient int length;
    private transient volatile SharedLock lock;
    private final transient boolean ownLock;

    /** See {@link Value#Value(TypeCode, Number, Object)} for {@code lockMode}. */
    Array(TypeCode type, int length, Object lockMode) {
        if (length < 0) {
            throw new IllegalArgumentException("array length must be >= 0, got " + length);
        }
        long bytes = DATA + ((long) length * type.byteSize() + 7) / 8 * 8;
        Segment s = Segments.create(SharedRef.ARRAY, bytes);
        this.segment = s;
        this.mem = s.payload();
        this.type = type;
        this.size = type.byteSize();
        this.length = length;
        this.data = mem.asSlice(DATA, (long) length * size);
        this.doubles = type == TypeCode.DOUBLE ? data : null;
        this.ownLock = Boolean.TRUE.equals(lockMode);
        SharedLock given = lockMode instanceof SharedLock l ? l : null;
        this.lock = given;
        mem.set(JAVA_INT, TYPECODE, type.code());
        mem.set(JAVA_INT, OWN_LOCK, ownLock ? 1 : 0);
        mem.set(JAVA_LONG, LENGTH, length);
        this.ref = new SharedRef(SharedRef.ARRAY, s.name(), given, null);
        SharedRef.track(this, s);
    }

    Array(SharedRef ref) {
        Segment s = ref.attach();
        this.segment = s;
        this.ref = ref;
        this.mem = s.payload();
        this.type = TypeCode.of((char) mem.get(JAVA_INT, TYPECODE));
        this.size = type.byteSize();
        long n = mem.get(JAVA_LONG, LENGTH);
        if (n < 0 || DATA + n * size > mem.byteSize()) {
            throw new IllegalStateException("corrupt array segment " + ref.segment() + ": length " + n);
        }
        this.length = (int) n;
        this.data = mem.asSlice(DATA, n * size);
        this.doubles = type == TypeCode.DOUBLE ? data : null;
        this.ownLock = mem.get(JAVA_INT, OWN_LOCK) == 1;
        this.lock = ref.lock();
        SharedRef.track(this, s);
    }

    /** The typecode. */
    public TypeCode typeCode() {
        return type;
    }

    /** The number of elements (CPython: {@code len(a)}). */
    public int length() {
        return length;
    }

    private long at(int index) {
        Objects.checkIndex(index, length);
        return DATA + (long) index * size;
    }

    /** Element {@code index} (CPython: {@code a[i]}); see {@link TypeCode} for the class. */
    public Number get(int index) {
        return type.box(Cells.getPlain(mem, at(index), size));
    }

    /** Element {@code index} as a long. */
    public long getLong(int index) {
        return type.toLong(Cells.getPlain(mem, at(index), size));
    }

    /** Element {@code index} as a double. */
    public double getDouble(int index) {
        if (doubles == null) {
            return convertedDouble(index);
        }
        return doubles.getAtIndex(JAVA_DOUBLE, checked(index));
    }

    /** {@code index} checked against the length, as a long. */
    private long checked(int index) {
        return Objects.checkIndex(index, length);
    }

    private double convertedDouble(int index) {
        return type.toDouble(Cells.getPlain(mem, at(index), size));
    }

    /** Stores element {@code index} (CPython: {@code a[i] = x}); range-checked as {@link Value#set(Number)}. */
    public void set(int index, Number value) {
        Cells.setPlain(mem, at(index), size, type.fromNumber(value));
    }

    /** Stores a long into element {@code index}. */
    public void setLong(int index, long value) {
        Cells.setPlain(mem, at(index), size, type.fromLong(value));
    }

    /** Stores a double into element {@code index}. */
    public void setDouble(int index, double value) {
        if (doubles == null) {
            setConverted(index, value);
            return;
        }
        doubles.setAtIndex(JAVA_DOUBLE, checked(index), value);
    }

    private void setConverted(int index, double value) {
        Cells.setPlain(mem, at(index), size, type.fromDouble(value));
    }

    /** Atomically replaces element {@code index} with {@code update} when it equals {@code expect}. */
    public boolean compareAndSet(int index, long expect, long update) {
        return Cells.compareAndSet(mem, at(index), size, type.fromLong(expect), type.fromLong(update));
    }

    /** Atomically adds {@code delta} to element {@code index}; returns the previous value. */
    public long getAndAdd(int index, long delta) {
        long off = at(index);
        for (;;) {
            long raw = Cells.get(mem, off, size);
            long next = type.isFloatingPoint() ? type.fromDouble(type.toDouble(raw) + delta)
                    : type.fromLong(type.toLong(raw) + delta);
            if (Cells.compareAndSet(mem, off, size, raw, next)) {
                return type.toLong(raw);
            }
        }
    }

    /**
     * Copies {@code count} elements of {@code source} (a Java array of the type's class, e.g.
     * {@code double[]} for {@code 'd'}) from {@code sourceIndex} into this array at {@code index}.
     */
    public void copyFrom(int index, Object source, int sourceIndex, int count) {
        checkArray(source);
        Objects.checkFromIndexSize(index, count, length);
        MemorySegment.copy(source, sourceIndex, data, type.layout(), (long) index * size, count);
    }

    /** Copies {@code count} elements from {@code index} into {@code target} (a Java array of the type's class) at {@code targetIndex}. */
    public void copyTo(int index, Object target, int targetIndex, int count) {
        checkArray(target);
        Objects.checkFromIndexSize(index, count, length);
        MemorySegment.copy(data, type.layout(), (long) index * size, target, targetIndex, count);
    }

    /** The elements as a new Java array of the type's class (CPython: {@code a[:]}). */
    public Object toArray() {
        Object out = java.lang.reflect.Array.newInstance(type.arrayClass().getComponentType(), length);
        copyTo(0, out, 0, length);
        return out;
    }

    /** The elements' memory (length x size bytes), native byte order. */
    public MemorySegment asSegment() {
        return data;
    }

    private void checkArray(Object array) {
        Objects.requireNonNull(array, "array");
        if (array.getClass() != type.arrayClass()) {
            throw new IllegalArgumentException("typecode '" + type.code() + "' copies to and from "
                    + type.arrayClass().getSimpleName() + ", not " + array.getClass().getSimpleName());
        }
    }

    /** The lock that guards compound updates (CPython: {@code get_lock()}); see {@link Value#getLock()}. */
    public java.util.concurrent.locks.Lock getLock() {
        SharedLock l = lock;
        if (l == null) {
            synchronized (this) {
                if (lock == null) {
                    lock = RLock.ownLockOf(segment, ref, ownLock, this);
                }
                l = lock;
            }
        }
        return l;
    }

    SharedRef ref() {
        return ref;
    }

    @Override
    public String toString() {
        return "<Array('" + type.code() + "', length=" + length + ")>";
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
