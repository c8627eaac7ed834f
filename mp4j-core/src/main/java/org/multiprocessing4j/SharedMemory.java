package org.multiprocessing4j;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * A named block of shared memory: CPython's {@code multiprocessing.shared_memory.SharedMemory}.
 *
 * <pre>{@code
 * try (SharedMemory shm = SharedMemory.create(8_000_000)) {       // SharedMemory(create=True, size=...)
 *     MemorySegment m = shm.segment();
 *     m.setAtIndex(ValueLayout.JAVA_DOUBLE, 0, 1.5);
 *     ctx.process(Demo::fill, shm.name()).start();                  // the child: SharedMemory.attach(name)
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link #create(long)} makes a block with an unguessable name (128 random bits),
 *       {@link #create(String, long)} one with your name; {@link #attach(String)} maps an existing
 *       block. The block is readable and writable by its owner only (mode 0600), zero-filled.
 *   <li>{@link #segment()} is the block as a {@link MemorySegment}, {@link #buffer()} as a
 *       {@link ByteBuffer} (native byte order; blocks up to 2 GiB). Bulk copies in and out are
 *       {@code memcpy}s ({@link MemorySegment#copy}).
 *   <li>{@link #close()} ends this handle's use (CPython: {@code close()}); using the handle
 *       afterwards throws {@link IllegalStateException}. {@link #unlink()} removes the name at
 *       once (CPython: {@code unlink()}); processes that have the block mapped keep it.
 *   <li>Unlike CPython (gh-82300), a block is never removed while a process uses it: the name is
 *       removed when the last process that has it attached closes it or ends, even by
 *       {@code kill -9}, or when someone calls {@link #unlink()}.
 *   <li>No synchronisation: use a {@link Lock}, {@link Event} or queue to publish what you wrote.
 * </ul>
 * Serialising a handle sends the name; the receiving process attaches the same block.
 *
 * <h2>Layout</h2>
 * The segment header ({@link Segment}) and then the block's bytes, starting 64-byte aligned.
 */
public final class SharedMemory implements AutoCloseable, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient SharedRef ref;
    private final transient Segment segment;
    private final transient Cleaner.Cleanable cleanable;
    private transient volatile boolean closed;

    private SharedMemory(Segment segment) {
        this.segment = segment;
        this.ref = new SharedRef(SharedRef.SHARED_MEMORY, segment.name());
        this.cleanable = SharedRef.track(this, segment);
    }

    SharedMemory(SharedRef ref) {
        this.segment = ref.attach();
        this.ref = ref;
        this.cleanable = SharedRef.track(this, segment);
    }

    /**
     * A new block of {@code size} bytes with a random name.
     *
     * @throws IllegalArgumentException when size is not positive (CPython's {@code ValueError})
     */
    public static SharedMemory create(long size) {
        return create(null, size);
    }

    /**
     * A new block of {@code size} bytes named {@code name} (1-200 letters, digits, {@code _ . -}).
     *
     * @throws IllegalArgumentException when size is not positive or the name is malformed
     * @throws IllegalStateException when a block of that name exists (CPython's {@code FileExistsError})
     */
    public static SharedMemory create(String name, long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("'size' must be a positive number different from zero, got " + size);
        }
        return new SharedMemory(Segments.create(name, SharedRef.SHARED_MEMORY, size));
    }

    /**
     * Attaches the existing block {@code name}.
     *
     * @throws java.util.NoSuchElementException when there is no such block (CPython's {@code FileNotFoundError})
     */
    public static SharedMemory attach(String name) {
        return new SharedMemory(Segments.attach(name, SharedRef.SHARED_MEMORY));
    }

    /** The name other processes attach with (CPython: {@code name}). */
    public String name() {
        return segment.name();
    }

    /** The size in bytes (CPython: {@code size}). */
    public long size() {
        return segment.payload().byteSize();
    }

    /** The block as a memory segment (CPython: {@code buf}, as memory). */
    public MemorySegment segment() {
        checkOpen();
        return segment.payload();
    }

    /**
     * The block as a byte buffer in native byte order (CPython: {@code buf}).
     *
     * @throws UnsupportedOperationException when the block is larger than 2 GiB - 1
     */
    public ByteBuffer buffer() {
        checkOpen();
        if (size() > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException("block of " + size() + " bytes is too large for a ByteBuffer; use segment()");
        }
        return segment.payload().asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /** Ends this handle's use of the block; idempotent. The block goes when no process uses it. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cleanable.clean(); // releases the segment, once
        }
    }

    /** Removes the block's name now: nobody can attach it any more; mapped users keep it. */
    public void unlink() {
        Segments.unlink(segment);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("shared memory block " + name() + " is closed");
        }
    }

    @Override
    public String toString() {
        return "SharedMemory('" + name() + "', size=" + size() + (closed ? ", closed" : "") + ")";
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
