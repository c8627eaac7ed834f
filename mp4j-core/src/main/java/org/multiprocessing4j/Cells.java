package org.multiprocessing4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * Raw-bit access to a 1, 2, 4 or 8 byte cell of shared memory, for {@link Value} and
 * {@link Array}. {@link #get}/{@link #set} are acquire/release (plain moves on x86, ordered on
 * ARM): what a process wrote before storing a Value is visible to a process that loads the new
 * value. {@link #getPlain}/{@link #setPlain} are plain, for Array elements: measured, acquire/
 * release element loops ran at half the speed (3.7-4.1 ms against 1.7-1.8 ms to write and read
 * 1M doubles), since they keep the JIT from unrolling and vectorising.
 * Compare-and-set is a full CAS; 1 and 2 byte cells are updated with a CAS on the aligned
 * 4-byte word that contains them (the JDK offers no narrower atomic update on a memory segment),
 * leaving the neighbouring bytes as they are.
 */
final class Cells {
    private static final VarHandle B = JAVA_BYTE.varHandle();
    private static final VarHandle S = JAVA_SHORT.varHandle();
    private static final VarHandle I = JAVA_INT.varHandle();
    private static final VarHandle L = JAVA_LONG.varHandle();

    private Cells() {}

    static long get(MemorySegment m, long off, int size) {
        return switch (size) {
            case 1 -> (byte) B.getAcquire(m, off);
            case 2 -> (short) S.getAcquire(m, off);
            case 4 -> (int) I.getAcquire(m, off);
            default -> (long) L.getAcquire(m, off);
        };
    }

    /** A plain load (Array elements: ordering comes from the synchronisation primitives). */
    static long getPlain(MemorySegment m, long off, int size) {
        return switch (size) {
            case 1 -> (byte) B.get(m, off);
            case 2 -> (short) S.get(m, off);
            case 4 -> (int) I.get(m, off);
            default -> (long) L.get(m, off);
        };
    }

    /** A plain store (Array elements). */
    static void setPlain(MemorySegment m, long off, int size, long bits) {
        switch (size) {
            case 1 -> B.set(m, off, (byte) bits);
            case 2 -> S.set(m, off, (short) bits);
            case 4 -> I.set(m, off, (int) bits);
            default -> L.set(m, off, bits);
        }
    }

    static void set(MemorySegment m, long off, int size, long bits) {
        switch (size) {
            case 1 -> B.setRelease(m, off, (byte) bits);
            case 2 -> S.setRelease(m, off, (short) bits);
            case 4 -> I.setRelease(m, off, (int) bits);
            default -> L.setRelease(m, off, bits);
        }
    }

    static boolean compareAndSet(MemorySegment m, long off, int size, long expect, long update) {
        return switch (size) {
            case 4 -> I.compareAndSet(m, off, (int) expect, (int) update);
            case 8 -> L.compareAndSet(m, off, expect, update);
            default -> narrowCas(m, off, size, expect, update);
        };
    }

    private static boolean narrowCas(MemorySegment m, long off, int size, long expect, long update) {
        long word = off & ~3L;
        int shift = (int) (off - word) * 8; // little-endian: byte k of the word is bits 8k..8k+7
        int mask = (size == 1 ? 0xff : 0xffff) << shift;
        for (;;) {
            int w = (int) I.getVolatile(m, word);
            int cur = (w & mask) >>> shift;
            if (cur != (int) (expect & (size == 1 ? 0xff : 0xffff))) {
                return false;
            }
            int next = (w & ~mask) | (((int) update << shift) & mask);
            if (I.compareAndSet(m, word, w, next)) {
                return true;
            }
        }
    }
}
