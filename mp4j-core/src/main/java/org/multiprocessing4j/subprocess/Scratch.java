package org.multiprocessing4j.subprocess;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * One thread's native memory for the small, short-lived buffers of this package's libc calls
 * (file actions, argv, pollfd arrays, status words, the first read buffer), reused from call to
 * call: where a confined arena per call would allocate, zero and free them every time.
 *
 * <p>Why: a JVM runs a new code path interpreted until the JIT has compiled it, a few hundred
 * runs of {@code Subprocess.run} here. Measured (2026-11-24, JFR execution samples with
 * {@code -Xint}, 1,000 runs of {@code true}): the arenas' allocations were about 40% of the
 * Java time of a run (mostly the zeroing loop of a 4 KiB read buffer), and the first 600 runs
 * of a young JVM took 1.4-2.2 ms each against 1.0 once compiled.
 *
 * <h2>Regions</h2>
 * Each user owns a fixed region, so one may call another while its own buffers are live
 * ({@code waitUntil} calls {@code reap}); a region is used by one call at a time, since calls of
 * one thread do not overlap otherwise. The contents are not zeroed: each user writes what it later
 * reads. Variable-size data (argv, environment strings) is sliced from the spawn region by
 * {@link #spawnAllocator} and goes to a confined arena once the region is full.
 * <pre>
 *  offset  size  user
 *     0    2048  SpawnedProcess.start: file actions (256), pid (8), pipe pair (8), then argv and strings
 *  2048    4160  ChildPipes.collect: pollfd pair (16), call state (48), read buffer (4096)
 *  6208       8  SpawnedProcess.waitUntil: pollfd
 *  6272      64  SpawnedProcess.reap: status (16), call state (48)
 * </pre>
 * The memory comes from an automatic arena: it is freed when the thread's value is collected.
 */
final class Scratch {
    static final long SPAWN = 0;
    static final long SPAWN_SIZE = 2048;
    static final long FILE_ACTIONS = SPAWN;
    /** glibc's {@code posix_spawn_file_actions_t} is 80 bytes; room to spare. */
    static final long FILE_ACTIONS_SIZE = 256;
    static final long PID = SPAWN + FILE_ACTIONS_SIZE;
    static final long PIPE_FDS = PID + 8;
    /** Where the argv and string slices of {@link #spawnAllocator} start. */
    static final long SPAWN_SLICES = PIPE_FDS + 8;

    static final long COLLECT_POLL = SPAWN + SPAWN_SIZE;
    static final long COLLECT_STATE = COLLECT_POLL + 16;
    static final long COLLECT_BUFFER = COLLECT_STATE + 48;
    /** The collecting read buffer's size (ChildPipes' first chunk). */
    static final int COLLECT_BUFFER_SIZE = 4096;

    static final long WAIT_POLL = COLLECT_BUFFER + COLLECT_BUFFER_SIZE;
    static final long REAP_STATUS = WAIT_POLL + 64;
    static final long REAP_STATE = REAP_STATUS + 16;
    static final long SIZE = REAP_STATE + 48;

    private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);

    static {
        if (SpawnedProcess.Native.CALL_STATE.byteSize() > 48) {
            throw new ExceptionInInitializerError("call state of " + SpawnedProcess.Native.CALL_STATE.byteSize() + " bytes");
        }
    }

    private final MemorySegment mem = Arena.ofAuto().allocate(SIZE, 16);

    private Scratch() {}

    /** This thread's scratch memory. */
    static Scratch get() {
        return PER_THREAD.get();
    }

    /** The slice of {@code size} bytes at {@code offset} (one of the constants above). */
    MemorySegment at(long offset, long size) {
        return mem.asSlice(offset, size);
    }

    /**
     * An allocator for one spawn's argv and strings: slices of the spawn region while they fit,
     * then a confined arena, freed by {@link SpawnAllocator#close()}.
     */
    SpawnAllocator spawnAllocator() {
        return new SpawnAllocator(mem.asSlice(SPAWN_SLICES, SPAWN_SIZE - SPAWN_SLICES));
    }

    /** See {@link #spawnAllocator()}; not thread-safe, closed by its one user. */
    static final class SpawnAllocator implements SegmentAllocator, AutoCloseable {
        private final MemorySegment region;
        private long used;
        private Arena overflow;

        private SpawnAllocator(MemorySegment region) {
            this.region = region;
        }

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            long at = (region.address() + used + byteAlignment - 1) / byteAlignment * byteAlignment - region.address();
            if (at + byteSize <= region.byteSize()) {
                used = at + byteSize;
                return region.asSlice(at, byteSize);
            }
            if (overflow == null) {
                overflow = Arena.ofConfined();
            }
            return overflow.allocate(byteSize, byteAlignment);
        }

        @Override
        public void close() {
            if (overflow != null) {
                overflow.close();
            }
        }
    }
}
