package org.multiprocessing4j.internal.ipc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.function.BooleanSupplier;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.shm.Pages;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * One end of a pipe as this process has it: the data path of {@code Connection}.
 *
 * <h2>Segment layout (payload)</h2>
 * <pre>
 *     0  holders of end 0 (Holders.BYTES)
 *  1600  holders of end 1
 *  3200  ring A control block (512)     duplex: end 0 writes, end 1 reads; else end 1 writes, end 0 reads
 *  3712  ring B control block (512)     duplex only: end 1 writes, end 0 reads
 *  4224  duplex int                     written by the creator
 *  8128  ring A data (page-aligned in memory), then ring B data
 * </pre>
 * The two rings have the same fixed capacity, chosen by the creator ({@link #CAPACITY} unless
 * told otherwise) and kept in ring A's control block; their pages are resident once touched.
 * Longer messages stream through them in chunks.
 */
public final class PipeEnd {
    /** Capacity of each direction's ring: 1 MiB ({@code -Dmp4j.pipe.capacity} overrides; a power of two). */
    public static final long CAPACITY = Long.highestOneBit(Math.max(Long.getLong("mp4j.pipe.capacity", 1L << 20), 8192));
    private static final long HOLDERS0 = 0;
    private static final long HOLDERS1 = Holders.BYTES;
    private static final long RING_A = 2L * Holders.BYTES;
    private static final long RING_B = RING_A + Ring.CONTROL_BYTES;
    private static final long DUPLEX = RING_B + Ring.CONTROL_BYTES;
    private static final long DATA_A = 2 * Pages.SIZE - Segment.HEADER_BYTES;

    private final Segment segment;
    private final int end;
    private final boolean duplex;
    private final Ring in;
    private final Ring out;
    private final Holders mine;
    private final Holders peer;
    private final Codec codec;
    private final BooleanSupplier peerGone;
    private final Ring.Sink<Object> decoder;

    private PipeEnd(Segment s, int end, Codec codec, long token) {
        this.segment = s;
        this.end = end;
        this.codec = codec;
        MemorySegment m = s.payload();
        this.duplex = m.get(JAVA_INT, DUPLEX) != 0;
        Ring a = Ring.attach(s, RING_A, DATA_A);
        Ring b = duplex ? Ring.attach(s, RING_B, DATA_A + a.capacity()) : null;
        if (duplex) {
            this.out = end == 0 ? a : b;
            this.in = end == 0 ? b : a;
        } else {
            this.out = end == 1 ? a : null;
            this.in = end == 0 ? a : null;
        }
        this.mine = new Holders(s, end == 0 ? HOLDERS0 : HOLDERS1, s.name() + "/" + end);
        this.peer = new Holders(s, end == 0 ? HOLDERS1 : HOLDERS0, s.name() + "/" + (1 - end));
        this.peerGone = () -> !peer.anyAlive();
        this.decoder = (src, at, len, flags) -> (flags & Ring.RAW) != 0 ? raw(src, at, len)
                : new Decoded(Wire.decode(src, at, len, codec));
        mine.open(token);
    }

    private static byte[] raw(MemorySegment src, long at, int len) {
        byte[] b = new byte[len];
        MemorySegment.copy(src, JAVA_BYTE, at, b, 0, len);
        return b;
    }

    /** A message as received (may be null). */
    private record Decoded(Object value) {}

    /** Creates a pipe with rings of {@link #CAPACITY}; returns its two ends, both held by this process. */
    public static PipeEnd[] create(int kind, boolean duplex, Codec codec) {
        return create(kind, duplex, codec, CAPACITY);
    }

    /** Creates a pipe whose rings hold {@code capacity} bytes each (a power of two, at least 8 KiB). */
    public static PipeEnd[] create(int kind, boolean duplex, Codec codec, long capacity) {
        if (Long.bitCount(capacity) != 1 || capacity < 8192) {
            throw new IllegalArgumentException("a pipe's ring capacity must be a power of two of at least 8192, not " + capacity);
        }
        Segment s = Segments.create(kind, DATA_A + (duplex ? 2 : 1) * capacity);
        s.payload().set(JAVA_INT, DUPLEX, duplex ? 1 : 0);
        Ring.create(s, RING_A, DATA_A, capacity, 0, 0);
        if (duplex) {
            Ring.create(s, RING_B, DATA_A + capacity, capacity, 0, 0);
        }
        Segments.retain(s); // one user per end object
        return new PipeEnd[] {new PipeEnd(s, 0, codec, 0), new PipeEnd(s, 1, codec, 0)};
    }

    /** End {@code end} of an attached pipe segment, taking over the reservation {@code token} (0: none). */
    public static PipeEnd attach(Segment s, int end, Codec codec, long token) {
        return new PipeEnd(s, end, codec, token);
    }

    public Segment segment() {
        return segment;
    }

    public int end() {
        return end;
    }

    public boolean readable() {
        return in != null;
    }

    public boolean writable() {
        return out != null;
    }

    /** Reserves this end for a receiving process (serialisation); returns the token it carries. */
    public long reserveTransfer() {
        long token = mine.reserve();
        Transfers.note(mine, token);
        return token;
    }

    /** This handle object is closed: the process lets go of the end when it was its last one; peers waiting are woken. */
    public void close() {
        mine.close();
        if (in != null) {
            in.wakeAll();
        }
        if (out != null) {
            out.wakeAll();
        }
    }

    /** Encodes (in the caller) and sends an object. */
    public void send(Object value) throws IOException, InterruptedException {
        Wire.Message m = Wire.encode(value, codec);
        write(m, m.length(), 0);
    }

    /** Sends raw bytes. */
    public void sendBytes(byte[] b, int off, int len) throws IOException, InterruptedException {
        write(Wire.raw(b, off, len), len, Ring.RAW);
    }

    /** Sends the pieces of {@code g} as one raw message, as {@link #sendBytes} would their concatenation. */
    public void sendGathered(Gather g) throws IOException, InterruptedException {
        write(g, g.length(), Ring.RAW);
    }

    private void write(Ring.Source src, long len, int flags) throws IOException, InterruptedException {
        if (peer.noneLive()) {
            throw brokenPipe();
        }
        try {
            out.put(src, len, flags, Long.MAX_VALUE, true, peerGone);
        } catch (Ring.PeerGone e) {
            throw brokenPipe();
        }
    }

    private IOException brokenPipe() {
        return new IOException("broken pipe: every process holding the other end has closed it or died");
    }

    private EOFException eof() {
        return new EOFException("end of stream: every process holding the other end has closed it or died");
    }

    /** Receives the next message as an object (raw messages arrive as byte[]). */
    public Object recv() throws IOException, InterruptedException {
        Object r = receive(decoder);
        return r instanceof Decoded d ? d.value() : r;
    }

    /** Receives the next message as bytes (an object message gives its encoded bytes). */
    public byte[] recvBytes(long maxLength) throws IOException, InterruptedException {
        return (byte[]) receive(new Ring.Sink<byte[]>() {
            private byte[] array;

            @Override
            public void check(long length) {
                if (length > maxLength) {
                    throw new TooLong(length);
                }
            }

            @Override
            public byte[] read(MemorySegment src, long at, int length, int flags) {
                return raw(src, at, length);
            }

            @Override
            public MemorySegment assembly(int total) {
                array = new byte[total];
                return MemorySegment.ofArray(array);
            }

            @Override
            public byte[] assembled(MemorySegment assembly, int total, int flags) {
                return array;
            }
        });
    }

    /** Receives the next message into {@code buf} at {@code offset}; returns its length. */
    public int recvBytesInto(byte[] buf, int offset) throws IOException, InterruptedException {
        return (Integer) receive(new Ring.Sink<Integer>() {
            @Override
            public void check(long length) {
                if (length > buf.length - offset) {
                    throw new TooLong(length);
                }
            }

            @Override
            public Integer read(MemorySegment src, long at, int length, int flags) {
                MemorySegment.copy(src, JAVA_BYTE, at, buf, offset, length);
                return length;
            }

            @Override
            public MemorySegment assembly(int total) {
                return MemorySegment.ofArray(buf).asSlice(offset, total);
            }

            @Override
            public Integer assembled(MemorySegment assembly, int total, int flags) {
                return total;
            }
        });
    }

    /** Thrown by a sink whose buffer is too small; the message stays. */
    public static final class TooLong extends RuntimeException {
        private final long length;

        TooLong(long length) {
            super(null, null, false, false);
            this.length = length;
        }

        public long length() {
            return length;
        }
    }

    private Object receive(Ring.Sink<?> sink) throws IOException, InterruptedException {
        try {
            return in.take(sink, true, Long.MAX_VALUE, true, peerGone);
        } catch (Ring.PeerGone e) {
            throw eof();
        }
    }

    /**
     * Whether a message (or the end of the stream) is there to receive, waiting until
     * {@code deadline}.
     */
    public boolean poll(long deadline) throws InterruptedException {
        try {
            return in.awaitData(deadline, true, peerGone);
        } catch (Ring.PeerGone e) {
            return true; // recv would not block: it raises EOF
        }
    }
}
