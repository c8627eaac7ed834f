package org.multiprocessing4j;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * One number in shared memory: CPython's {@code multiprocessing.Value(typecode, value, lock)}
 * and {@code RawValue}, with atomic operations CPython lacks.
 *
 * <pre>{@code
 * Value counter = ctx.value('i', 0);              // Value('i', 0): with its own RLock
 * try (Held held = ((RLock) counter.getLock()).hold()) {   // with counter.get_lock():
 *     counter.set(counter.getLong() + 1);         //     counter.value += 1
 * }
 * counter.incrementAndGet();                       // the same, atomically, without the lock
 * }</pre>
 *
 * <ul>
 *   <li>{@link #get()} / {@link #set(Number)} read and write the whole value atomically (every
 *       typecode is at most 8 bytes and aligned), with acquire/release ordering. As in CPython, a
 *       read followed by a write ({@code v.value += 1}) is not atomic: hold {@link #getLock()},
 *       or use {@link #getAndAdd}, {@link #incrementAndGet}, {@link #compareAndSet}.
 *   <li>The typecodes and what {@code get()} returns are listed in {@link TypeCode}. Integer
 *       values out of the type's range are refused with {@link IllegalArgumentException}.
 *   <li>{@code ctx.value(...)} comes with its own {@link RLock} (CPython's default,
 *       {@code lock=True}), or uses a lock you give; {@code ctx.rawValue(...)} has none and its
 *       {@link #getLock()} throws.
 * </ul>
 * Life cycle and serialisation are those of {@link Lock}: pass a Value to another process and
 * it reads and writes the same memory.
 *
 * <h2>Layout (payload of its segment)</h2>
 * <pre>
 *  0  lock      Mutex record of its own RLock (unused for a raw value or a given lock)
 * 32  typecode int   the CPython typecode character; written at creation
 * 36  ownLock int    1 when the record at 0 is this value's lock; written at creation
 * 64  value          1-8 bytes, 8-aligned: acquire loads, release stores, CAS
 * </pre>
 */
public final class Value implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    static final long TYPECODE = 32;
    static final long OWN_LOCK = 36;
    static final long DATA = 64;
    private static final int BYTES = 72;

    private final transient SharedRef ref;
    private final transient Segment segment;
    private final transient MemorySegment mem;
    private final transient TypeCode type;
    private final transient int size;
    /** The lock: own RLock (made on first use), a given Lock/RLock, or none. */
    private transient volatile SharedLock lock;
    private final transient boolean ownLock;

    /**
     * @param lockMode {@code null} for a raw value, {@link Boolean#TRUE} for its own RLock, or a
     *     {@link SharedLock} to use
     */
    Value(TypeCode type, Number initial, Object lockMode) {
        Segment s = Segments.create(SharedRef.VALUE, BYTES);
        this.segment = s;
        this.mem = s.payload();
        this.type = type;
        this.size = type.byteSize();
        this.ownLock = Boolean.TRUE.equals(lockMode);
        SharedLock given = lockMode instanceof SharedLock l ? l : null;
        this.lock = given;
        mem.set(JAVA_INT, TYPECODE, type.code());
        mem.set(JAVA_INT, OWN_LOCK, ownLock ? 1 : 0);
        Cells.set(mem, DATA, size, initial == null ? 0 : type.fromNumber(initial));
        this.ref = new SharedRef(SharedRef.VALUE, s.name(), given, null);
        SharedRef.track(this, s);
    }

    Value(SharedRef ref) {
        Segment s = ref.attach();
        this.segment = s;
        this.ref = ref;
        this.mem = s.payload();
        this.type = TypeCode.of((char) mem.get(JAVA_INT, TYPECODE));
        this.size = type.byteSize();
        this.ownLock = mem.get(JAVA_INT, OWN_LOCK) == 1;
        this.lock = ref.lock();
        SharedRef.track(this, s);
    }

    /** The typecode (CPython: {@code _type_._type_}). */
    public TypeCode typeCode() {
        return type;
    }

    /** The value (CPython: {@code v.value}); see {@link TypeCode} for the class of the result. */
    public Number get() {
        return type.box(Cells.get(mem, DATA, size));
    }

    /** The value as a long (floating-point values truncated; {@code L}/{@code Q} as their 64 bits). */
    public long getLong() {
        return type.toLong(Cells.get(mem, DATA, size));
    }

    /** The value as a double. */
    public double getDouble() {
        return type.toDouble(Cells.get(mem, DATA, size));
    }

    /**
     * Stores {@code value} (CPython: {@code v.value = x}).
     *
     * @throws IllegalArgumentException when an integer is out of the type's range, or a fractional
     *     number is given for an integer type
     */
    public void set(Number value) {
        Cells.set(mem, DATA, size, type.fromNumber(value));
    }

    /** Stores a long value (range-checked). */
    public void set(long value) {
        Cells.set(mem, DATA, size, type.fromLong(value));
    }

    /** Stores a double value. */
    public void set(double value) {
        Cells.set(mem, DATA, size, type.fromDouble(value));
    }

    /**
     * Atomically replaces the value with {@code update} when it equals {@code expect}.
     *
     * @return true when replaced
     */
    public boolean compareAndSet(long expect, long update) {
        return Cells.compareAndSet(mem, DATA, size, type.fromLong(expect), type.fromLong(update));
    }

    /** Atomically adds {@code delta} and returns the previous value (floating-point types too). */
    public long getAndAdd(long delta) {
        for (;;) {
            long raw = Cells.get(mem, DATA, size);
            long next = type.isFloatingPoint() ? type.fromDouble(type.toDouble(raw) + delta)
                    : type.fromLong(type.toLong(raw) + delta);
            if (Cells.compareAndSet(mem, DATA, size, raw, next)) {
                return type.toLong(raw);
            }
        }
    }

    /** Atomically adds {@code delta} and returns the previous value as a double. */
    public double getAndAdd(double delta) {
        for (;;) {
            long raw = Cells.get(mem, DATA, size);
            long next = type.fromDouble(type.toDouble(raw) + delta);
            if (Cells.compareAndSet(mem, DATA, size, raw, next)) {
                return type.toDouble(raw);
            }
        }
    }

    /** Atomically adds {@code delta} and returns the new value. */
    public long addAndGet(long delta) {
        return getAndAdd(delta) + delta;
    }

    /** Atomically adds 1 and returns the new value. */
    public long incrementAndGet() {
        return addAndGet(1);
    }

    /** Atomically subtracts 1 and returns the new value. */
    public long decrementAndGet() {
        return addAndGet(-1);
    }

    /**
     * The lock that guards compound updates (CPython: {@code get_lock()}): this value's own
     * {@link RLock}, or the lock it was made with.
     *
     * @throws IllegalStateException for a raw value (CPython: no {@code get_lock} on a RawValue)
     */
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

    /** True when the value has a lock ({@link #getLock()} does not throw). */
    public boolean isSynchronized() {
        return ownLock || lock != null;
    }

    SharedRef ref() {
        return ref;
    }

    @Override
    public String toString() {
        return "<Value('" + type.code() + "', " + get() + ")>";
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
