package org.multiprocessing4j;

import java.io.EOFException;
import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.Objects;
import org.multiprocessing4j.internal.ipc.PipeEnd;
import org.multiprocessing4j.internal.shm.Segments;
import org.multiprocessing4j.internal.shm.Waits;

/**
 * One end of a {@link Pipe}: CPython's {@code multiprocessing.connection.Connection}, in shared
 * memory.
 *
 * <pre>{@code
 * Pipe pipe = ctx.pipe();
 * Process p = ctx.process(conn -> { conn.send("hello"); conn.close(); }, pipe.conn2());
 * p.start();
 * pipe.conn2().close();                   // the parent keeps only its own end
 * System.out.println(pipe.conn1().recv()); // "hello"
 * pipe.conn1().recv();                     // EOFException: the child closed its end and exited
 * }</pre>
 *
 * <h2>Messages</h2>
 * {@link #send} takes any object the context's codec allows (small values such as Integer, Long,
 * String and byte[] skip the codec); it is serialised in the caller, so an object that cannot be
 * serialised fails here, naming its class, and nothing is sent. {@link #sendBytes} sends raw
 * bytes, copied once into shared memory and once out on the other side; messages of any size
 * pass, streaming through the pipe's ring (1 MiB per direction) in chunks while the other side
 * reads.
 *
 * <h2>End of stream</h2>
 * A process holds an end from the moment it creates or receives it (as an argument of a child
 * process, for instance) until it closes every handle object of that end, its handles are
 * collected, or it ends in any way, {@code kill -9} included. When no process holds the other end
 * any more, {@link #recv} raises {@link EOFException} once the messages already sent are received
 * (within 20 ms of a death, at once after a close), and {@link #send} raises an
 * {@link IOException} (a broken pipe). An end passed to a child process counts as the child's from
 * the moment the child exists, so a parent may close its copy right after {@code start()}, as in
 * CPython.
 *
 * <p>Blocking calls wait without burning CPU (a brief spin, then a futex) and respond to
 * interrupts. Several threads and processes may use one end; each message is received whole by
 * exactly one of them. With {@code duplex} false, {@link Pipe#conn1()} only receives and
 * {@link Pipe#conn2()} only sends, and the wrong call is an {@link IllegalStateException}.
 *
 * <p>A Connection serialises to its segment's name and re-attaches in the receiving process.
 */
public final class Connection implements AutoCloseable, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient PipeEnd end;
    private final transient Cleaner.Cleanable cleanable;
    private transient volatile boolean closed;

    Connection(PipeEnd end) {
        this.end = end;
        this.cleanable = SharedRef.CLEANER.register(this, new Release(end));
    }

    /** Lets go of the end and of the segment once (close or collection). */
    private record Release(PipeEnd end) implements Runnable {
        @Override
        public void run() {
            try {
                end.close();
            } finally {
                Segments.release(end.segment());
            }
        }
    }

    /**
     * Sends an object (CPython: {@code send(obj)}); waits while the pipe is full.
     *
     * @throws SerializationException when the object cannot be serialised (nothing is sent)
     * @throws IOException when no process holds the other end any more (broken pipe)
     * @throws IllegalStateException when this end is closed or receive-only
     */
    public void send(Object obj) throws IOException, InterruptedException {
        checkWritable();
        end.send(obj);
    }

    /** Sends all of {@code buf} as one message of raw bytes (CPython: {@code send_bytes(buf)}). */
    public void sendBytes(byte[] buf) throws IOException, InterruptedException {
        sendBytes(buf, 0, buf.length);
    }

    /** Sends {@code size} bytes of {@code buf} from {@code offset} as one message (CPython: {@code send_bytes(buf, offset, size)}). */
    public void sendBytes(byte[] buf, int offset, int size) throws IOException, InterruptedException {
        Objects.checkFromIndexSize(offset, size, buf.length);
        checkWritable();
        end.sendBytes(buf, offset, size);
    }

    /** Sends the pieces of {@code g} as one message, as {@link #sendBytes} their concatenation (the pool's large tasks). */
    void sendGathered(org.multiprocessing4j.internal.ipc.Gather g) throws IOException, InterruptedException {
        checkWritable();
        end.sendGathered(g);
    }

    /**
     * Receives the next message (CPython: {@code recv()}); a message sent with {@link #sendBytes}
     * arrives as a {@code byte[]}.
     *
     * @throws EOFException when nothing is left and no process holds the other end any more
     * @throws IllegalStateException when this end is closed or send-only
     */
    public Object recv() throws IOException, InterruptedException {
        checkReadable();
        return end.recv();
    }

    /** Receives the next message as bytes (CPython: {@code recv_bytes()}). */
    public byte[] recvBytes() throws IOException, InterruptedException {
        return recvBytes(Integer.MAX_VALUE);
    }

    /**
     * Receives the next message as bytes, refusing one longer than {@code maxLength}
     * (CPython: {@code recv_bytes(maxlength)}).
     *
     * @throws BufferTooShortException when the message is longer; it stays in the pipe
     */
    public byte[] recvBytes(int maxLength) throws IOException, InterruptedException {
        if (maxLength < 0) {
            throw new IllegalArgumentException("negative maxLength " + maxLength);
        }
        checkReadable();
        try {
            return end.recvBytes(maxLength);
        } catch (PipeEnd.TooLong e) {
            throw new BufferTooShortException(e.length(), maxLength);
        }
    }

    /** Receives the next message into {@code buf}; returns its length (CPython: {@code recv_bytes_into(buf)}). */
    public int recvBytesInto(byte[] buf) throws IOException, InterruptedException {
        return recvBytesInto(buf, 0);
    }

    /**
     * Receives the next message into {@code buf} from {@code offset}; returns its length.
     *
     * @throws BufferTooShortException when it does not fit; the message stays in the pipe, to be
     *     read with a larger buffer
     */
    public int recvBytesInto(byte[] buf, int offset) throws IOException, InterruptedException {
        Objects.checkIndex(offset, buf.length + 1);
        checkReadable();
        try {
            return end.recvBytesInto(buf, offset);
        } catch (PipeEnd.TooLong e) {
            throw new BufferTooShortException(e.length(), buf.length - offset);
        }
    }

    /** True when a message or the end of the stream is there now (CPython: {@code poll()}). */
    public boolean poll() throws InterruptedException {
        return poll(Duration.ZERO);
    }

    /**
     * Waits at most {@code timeout} (null: for ever) until a message or the end of the stream is
     * there (CPython: {@code poll(timeout)}).
     */
    public boolean poll(Duration timeout) throws InterruptedException {
        checkReadable();
        return end.poll(timeout == null ? Long.MAX_VALUE : Waits.deadline(Math.max(0, timeout.toNanos())));
    }

    /** Closes this handle (CPython: {@code close()}); idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cleanable.clean();
        }
    }

    /** True after {@link #close()}. */
    public boolean isClosed() {
        return closed;
    }

    /** True when this end may receive. */
    public boolean readable() {
        return end.readable();
    }

    /** True when this end may send. */
    public boolean writable() {
        return end.writable();
    }

    private void checkReadable() {
        checkOpen();
        if (!end.readable()) {
            throw new IllegalStateException("connection is write-only: " + this);
        }
    }

    private void checkWritable() {
        checkOpen();
        if (!end.writable()) {
            throw new IllegalStateException("connection is read-only: " + this);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("handle is closed: " + this);
        }
    }

    /** The name of the pipe's segment (for the warm-up, which removes its own). */
    String segmentName() {
        return end.segment().name();
    }

    @Override
    public String toString() {
        return "<Connection(" + end.segment().name() + ", end " + end.end() + (closed ? ", closed" : "")
                + (end.readable() && end.writable() ? ", duplex" : end.readable() ? ", read-only" : ", write-only") + ")>";
    }

    /** The serial form (package-private: {@link HandleForm} writes it for process payloads). */
    @Serial
    Object writeReplace() throws java.io.ObjectStreamException {
        if (closed) {
            throw new java.io.NotSerializableException("a closed Connection cannot be passed on: " + this);
        }
        return new SharedRef(SharedRef.PIPE, end.segment().name(), null, new long[] {end.end(), end.reserveTransfer()});
    }

    static Connection resolve(SharedRef ref, org.multiprocessing4j.internal.codec.Codec codec) {
        long[] e = (long[]) ref.extra();
        return new Connection(PipeEnd.attach(ref.attach(), (int) e[0], codec, e[1]));
    }

    @Serial
    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("a Connection is deserialised through its SharedRef only");
    }
}
