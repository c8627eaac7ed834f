package org.multiprocessing4j.internal.ipc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A message made of pieces of byte arrays, written to a ring without first being copied into
 * one array ({@link Ring.Source}): a large argument goes from the caller's array straight into
 * shared memory. The pieces are only referenced; they must not change until the message is sent.
 * Not thread-safe.
 */
public final class Gather implements Ring.Source {
    private byte[][] arrays = new byte[8][];
    private int[] offsets = new int[8];
    private int[] lengths = new int[8];
    /** Where each piece starts in the message. */
    private long[] starts = new long[8];
    private int count;
    private long length;

    /** Appends {@code len} bytes of {@code a} from {@code off} (not copied). */
    public Gather add(byte[] a, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, a.length);
        if (len == 0) {
            return this;
        }
        if (count == arrays.length) {
            arrays = Arrays.copyOf(arrays, count * 2);
            offsets = Arrays.copyOf(offsets, count * 2);
            lengths = Arrays.copyOf(lengths, count * 2);
            starts = Arrays.copyOf(starts, count * 2);
        }
        arrays[count] = a;
        offsets[count] = off;
        lengths[count] = len;
        starts[count] = length;
        count++;
        length += len;
        return this;
    }

    /** The message's length: the sum of its pieces. */
    public long length() {
        return length;
    }

    @Override
    public void copyTo(MemorySegment dst, long at, long from, int n) {
        int i = Arrays.binarySearch(starts, 0, count, from);
        if (i < 0) {
            i = -i - 2; // the piece that holds byte 'from'
        }
        while (n > 0) {
            int inPiece = (int) (from - starts[i]);
            int k = Math.min(n, lengths[i] - inPiece);
            MemorySegment.copy(arrays[i], offsets[i] + inPiece, dst, JAVA_BYTE, at, k);
            at += k;
            from += k;
            n -= k;
            i++;
        }
    }
}
