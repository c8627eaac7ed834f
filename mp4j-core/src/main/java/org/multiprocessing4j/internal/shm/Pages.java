package org.multiprocessing4j.internal.shm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Gives pages of a shared mapping back to the system, or takes them ahead of use:
 * {@code madvise(MADV_REMOVE)} frees the backing pages of a {@code /dev/shm} file range (a later
 * touch maps fresh zero pages), {@code madvise(MADV_POPULATE_WRITE)} allocates and maps them as a
 * write would, without writing. Queues use the first so that memory taken by a burst of messages
 * is returned once they are consumed, the second for the dense zone of their ring, which they
 * keep and reuse. Linked on first use.
 */
public final class Pages {
    /** Size of a page (4 KiB on the machines this library targets). */
    public static final long SIZE = 4096;
    private static final int MADV_REMOVE = 9;
    private static final int MADV_POPULATE_WRITE = 23;

    private Pages() {}

    @SuppressWarnings("restricted")
    private static final class Native {
        static final MethodHandle MADVISE;

        static {
            Linker linker = Linker.nativeLinker();
            MADVISE = linker.downcallHandle(linker.defaultLookup().find("madvise").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        }
    }

    /**
     * Frees the pages of {@code [address, address + length)} of a shared file mapping; the range
     * reads as zeros afterwards. Both must be multiples of {@link #SIZE}.
     *
     * @return false when the kernel refused (the memory stays, nothing else changes)
     */
    public static boolean remove(long address, long length) {
        return madvise(address, length, MADV_REMOVE);
    }

    /**
     * Allocates and maps the pages of {@code [address, address + length)} of a shared file
     * mapping for writing, as a first write would (Linux 5.14 and later); the contents do not
     * change. Both must be multiples of {@link #SIZE}.
     *
     * @return false when the kernel refused (an older kernel, or no memory left in the file
     *     system: no signal is raised, the pages are then taken at their first write as usual)
     */
    public static boolean populate(long address, long length) {
        return madvise(address, length, MADV_POPULATE_WRITE);
    }

    private static boolean madvise(long address, long length, int advice) {
        if ((address | length) % SIZE != 0) {
            throw new IllegalArgumentException("not page-aligned: " + address + " + " + length);
        }
        try {
            return (int) Native.MADVISE.invokeExact(MemorySegment.ofAddress(address), length, advice) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("madvise failed", t);
        }
    }
}
