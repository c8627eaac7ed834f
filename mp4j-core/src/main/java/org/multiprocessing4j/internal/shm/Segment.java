package org.multiprocessing4j.internal.shm;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;

/**
 * One shared-memory segment as this process has it: a file in {@code /dev/shm} mapped read-write,
 * plus the shared file lock that tells other processes this one uses it (see {@link Segments}
 * for the life cycle). Every kind of segment starts with the same 64-byte header:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                      magic 0x6D70346A ("mp4j")                |  0
 * +---------------------------------------------------------------+
 * |                      layout version (3, see VERSION)          |  4
 * +---------------------------------------------------------------+
 * |                      kind (see Kind)                          |  8
 * +---------------------------------------------------------------+
 * |                      reserved (0)                             | 12
 * +---------------------------------------------------------------+
 * |                      payload size in bytes (long)             | 16
 * +---------------------------------------------------------------+
 * |                      creator pid (long)                       | 24
 * +---------------------------------------------------------------+
 * |                      creator start time, clock ticks (long)   | 32
 * +---------------------------------------------------------------+
 * |                      reserved up to byte 63                   | 40
 * +---------------------------------------------------------------+
 * |                      payload (kind-specific layout)           | 64
 * </pre>
 *
 * <p>The header is written once, by the creator, before the segment gets its public name (a
 * {@code link(2)} of a private temporary file), so every process that can open it by name sees
 * it complete; it is read with plain loads. The payload's layout and memory ordering are written
 * down beside the class that owns each kind.
 */
public final class Segment {
    /** Bytes before the payload. */
    public static final int HEADER_BYTES = 64;
    static final int MAGIC = 0x6D70346A;
    /** Layout version: 2 gave ring sleeper counts their own lines, 3 the owner identity of {@link Mutex} one word. */
    static final int VERSION = 3;
    static final long MAGIC_OFFSET = 0;
    static final long VERSION_OFFSET = 4;
    static final long KIND_OFFSET = 8;
    static final long PAYLOAD_SIZE_OFFSET = 16;
    static final long CREATOR_PID_OFFSET = 24;
    static final long CREATOR_START_OFFSET = 32;

    private final String name;
    private final Path path;
    private final int kind;
    private final FileChannel channel;
    private final FileLock inUse;
    private final Arena arena;
    private final MemorySegment payload;
    private final long payloadAddress;
    /** Handle objects of this process that use the segment. Guarded by the {@link Segments} monitor. */
    int users;
    /** True once this process has let go of the segment. Guarded by the {@link Segments} monitor. */
    boolean detached;
    /** True once its name was removed: the name may belong to another segment now. Guarded by the {@link Segments} monitor. */
    boolean unlinked;

    Segment(String name, Path path, int kind, FileChannel channel, FileLock inUse, Arena arena, MemorySegment whole) {
        this.name = name;
        this.path = path;
        this.kind = kind;
        this.channel = channel;
        this.inUse = inUse;
        this.arena = arena;
        this.payload = whole.asSlice(HEADER_BYTES, whole.get(JAVA_LONG, PAYLOAD_SIZE_OFFSET));
        this.payloadAddress = payload.address();
    }

    static void writeHeader(MemorySegment whole, int kind, long payloadSize) {
        whole.set(JAVA_INT, VERSION_OFFSET, VERSION);
        whole.set(JAVA_INT, KIND_OFFSET, kind);
        whole.set(JAVA_LONG, PAYLOAD_SIZE_OFFSET, payloadSize);
        whole.set(JAVA_LONG, CREATOR_PID_OFFSET, Liveness.PID);
        whole.set(JAVA_LONG, CREATOR_START_OFFSET, Liveness.START);
        whole.set(JAVA_INT, MAGIC_OFFSET, MAGIC);
    }

    /** The segment's name (what a handle carries to other processes). */
    public String name() {
        return name;
    }

    /** The kind written in the header. */
    public int kind() {
        return kind;
    }

    /** The payload: the segment after its header. */
    public MemorySegment payload() {
        return payload;
    }

    /** The native address of payload byte {@code offset} (for futex calls). */
    public long address(long offset) {
        return payloadAddress + offset;
    }

    Path path() {
        return path;
    }

    FileChannel channel() {
        return channel;
    }

    FileLock inUse() {
        return inUse;
    }

    Arena arena() {
        return arena;
    }

    @Override
    public String toString() {
        return "Segment[name=" + name + ", kind=" + kind + ", bytes=" + payload.byteSize() + "]";
    }
}
