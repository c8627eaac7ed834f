package org.multiprocessing4j.internal.process;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;

/**
 * One end of the control connection between a parent and one child JVM: a Unix-domain stream
 * socket carrying small length-prefixed frames.
 *
 * <pre>
 *   frame   := length:int32 (of type + body) | type:int8 | body
 *
 *   child  -&gt; parent  HELLO    token:16 bytes | pid:int64        first frame, once
 *   parent -&gt; child   PREPARE  generation:int32 | names |        warm children only, any number
 *                              rehearsal payload (int32 length, bytes; see WarmReserve)
 *   child  -&gt; parent  READY    (empty)                           after each PREPARE is done
 *   parent -&gt; child   RUN      {@link ChildSpec}                   once; the child then runs
 *   child  -&gt; parent  EXIT     exitcode:int32                    after run() and the flush of
 *                                                                  stdout/stderr, just before exit
 * </pre>
 *
 * <p>Why a socket: it is the one channel that gives the three things this layer needs at once.
 * The child learns of its parent's death at once, even after kill -9, as end-of-stream (the kernel
 * closes the parent's end); the parent learns the exit code before the child JVM has finished its
 * teardown, which takes 4-7 ms on this project's machines even after {@code halt}; and stdout and
 * stderr stay the parent's own, so children print as they do in CPython.
 *
 * <p>Thread-safety: {@link #send} may be called from any thread (writes are serialised);
 * {@link #receive} from one reader thread at a time.
 */
public final class Control implements AutoCloseable {
    public static final byte HELLO = 1;
    public static final byte PREPARE = 2;
    public static final byte RUN = 3;
    public static final byte EXIT = 4;
    public static final byte READY = 5;

    /** Frames are small except RUN, whose payload is the encoded process object. */
    static final int MAX_FRAME = Integer.MAX_VALUE - 16;

    private final SocketChannel channel;
    private final DataInputStream in;
    private final DataOutputStream out;

    public Control(SocketChannel channel) {
        this.channel = channel;
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 1 << 14));
        this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 14));
    }

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

    /** Sends one frame and flushes it. */
    public void send(byte type, Body body) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
        DataOutputStream d = new DataOutputStream(buf);
        body.writeTo(d);
        d.flush();
        synchronized (out) {
            out.writeInt(buf.size() + 1);
            out.writeByte(type);
            buf.writeTo(out);
            out.flush();
        }
    }

    /** Sends a frame whose body is one int (EXIT). No lambda: the first call in a JVM links nothing new. */
    public void sendInt(byte type, int value) throws IOException {
        byte[] frame = intFrame(type, value);
        synchronized (out) {
            out.write(frame);
            out.flush();
        }
    }

    /** The bytes of a frame with a one-int body. */
    static byte[] intFrame(byte type, int value) {
        return new byte[] {0, 0, 0, 5, type, (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    /**
     * Blocks for the next frame.
     *
     * @return the frame, or null at end of stream (the peer closed its end or died)
     * @throws IOException on a malformed frame or a broken connection
     */
    public Frame receive() throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (java.io.EOFException eof) {
            return null;
        }
        if (length < 1 || length > MAX_FRAME) {
            throw new IOException("malformed control frame: length " + length);
        }
        byte type = in.readByte();
        byte[] body = new byte[length - 1];
        in.readFully(body);
        return new Frame(type, body);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a socket we no longer use: nothing to recover
        }
    }
}
