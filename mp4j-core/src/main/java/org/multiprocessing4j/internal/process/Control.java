package org.multiprocessing4j.internal.process;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The control protocol between a parent and its child JVMs: two channels, both plain
 * {@code java.io}.
 *
 * <pre>
 *   parent -&gt; child: the child's stdin pipe, length-prefixed frames
 *     frame   := length:int32 (of type + body) | type:int8 | body
 *     PREPARE  generation:int32 | names | rehearsal payload | flags:int8 | preload   warm children only
 *                                           (flags: 1 the parent uses shared memory, so warm its paths
 *                                           up; 2 managers too. preload: int32 length, then the
 *                                           context's preload as Codec.encodeFunction bytes; 0: none)
 *     RUN      {@link ChildSpec}                                  once; the child then runs
 *
 *   child -&gt; parent: the context's report FIFO ({@link ReportPipe}), fixed 13-byte frames
 *     report  := type:int8 | child id:int64 | value:int32
 *     READY    value 0          a warm child has done its PREPARE
 *              value 1          its preload threw ({@link #PRELOAD_FAILED}); the parent closes the
 *                               child's stdin, and the child halts
 *     EXIT     value exitcode   after run() and the flush of stdout/stderr, just before halt
 * </pre>
 *
 * <h2>Why these channels</h2>
 * They give the three things this layer needs, at the lowest cost to a cold JVM:
 * <ul>
 * <li>The child learns of its parent's death at once, even after kill -9, as end-of-stream on
 *     stdin (the kernel closes the parent's end of the pipe).
 * <li>The parent learns the exit code before the child JVM has finished its teardown, which
 *     takes 4-7 ms on this project's machines even after {@code halt}.
 * <li>stdout and stderr stay the parent's own, so children print as they do in CPython.
 * </ul>
 * A Unix-domain socket would do the same, but measured on this project's machines its first
 * open-and-connect costs a cold JVM 24 ms (NIO initialisation), a third of a child's start;
 * {@code System.in} and a {@code RandomAccessFile} cost nothing the JVM has not already paid.
 * A report is one {@code write} of 13 bytes, below {@code PIPE_BUF}, so reports of concurrent
 * children never interleave.
 */
public final class Control {
    public static final byte PREPARE = 2;
    public static final byte RUN = 3;
    public static final byte EXIT = 4;
    public static final byte READY = 5;
    /** The value of a READY report whose child's preload threw: the child waits for the end of its stdin. */
    public static final int PRELOAD_FAILED = 1;

    /** The size of a report frame. */
    public static final int REPORT_SIZE = 13;

    private Control() {}

    /** A received frame: its type and body. */
    public record Frame(byte type, byte[] body) {
        public DataInputStream bodyStream() {
            return new DataInputStream(new ByteArrayInputStream(body));
        }
    }

    /** Body writer for {@link #send}. */
    @FunctionalInterface
    public interface Body {
        void writeTo(DataOutputStream out) throws IOException;
    }

    /** Sends one frame on a child's stdin and flushes it. */
    public static void send(OutputStream out, byte type, Body body) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
        DataOutputStream d = new DataOutputStream(buf);
        d.writeInt(0);
        d.writeByte(type);
        body.writeTo(d);
        d.flush();
        byte[] frame = buf.toByteArray();
        int length = frame.length - 4;
        frame[0] = (byte) (length >>> 24);
        frame[1] = (byte) (length >>> 16);
        frame[2] = (byte) (length >>> 8);
        frame[3] = (byte) length;
        synchronized (out) {
            out.write(frame);
            out.flush();
        }
    }

    /**
     * Blocks for the next frame.
     *
     * @return the frame, or null at end of stream (the parent closed its end or died)
     * @throws IOException on a malformed frame
     */
    public static Frame receive(DataInputStream in) throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException eof) {
            return null;
        }
        if (length < 1 || length > Integer.MAX_VALUE - 16) {
            throw new IOException("malformed control frame: length " + length);
        }
        byte type = in.readByte();
        byte[] body = new byte[length - 1];
        in.readFully(body);
        return new Frame(type, body);
    }

    /** The bytes of a report frame. */
    public static byte[] report(byte type, long childId, int value) {
        return new byte[] {
            type,
            (byte) (childId >>> 56), (byte) (childId >>> 48), (byte) (childId >>> 40), (byte) (childId >>> 32),
            (byte) (childId >>> 24), (byte) (childId >>> 16), (byte) (childId >>> 8), (byte) childId,
            (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value
        };
    }

    /** Reads one report frame; null at end of stream. */
    static byte[] readReport(InputStream in) throws IOException {
        byte[] b = new byte[REPORT_SIZE];
        int n = 0;
        while (n < REPORT_SIZE) {
            int r = in.read(b, n, REPORT_SIZE - n);
            if (r < 0) {
                return null;
            }
            n += r;
        }
        return b;
    }

    static long reportId(byte[] r) {
        long id = 0;
        for (int i = 1; i <= 8; i++) {
            id = (id << 8) | (r[i] & 0xff);
        }
        return id;
    }

    static int reportValue(byte[] r) {
        return ((r[9] & 0xff) << 24) | ((r[10] & 0xff) << 16) | ((r[11] & 0xff) << 8) | (r[12] & 0xff);
    }
}
