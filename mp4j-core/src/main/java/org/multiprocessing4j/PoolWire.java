package org.multiprocessing4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * The messages between a {@link Pool} and its workers, as raw bytes on pipes
 * ({@link Connection#sendBytes}). All numbers big-endian.
 *
 * <h2>Task pipe, pool to worker (one duplex pipe per worker)</h2>
 * <pre>
 *   DEFINE   1 | fnId int64 | function (int32 length, {@link Codec#encodeFunction} bytes)
 *   FORGET   2 | fnId int64
 *   REGISTRY 3 | generation int32 | count int32 | class names (text each)
 *   BATCH    4 | count int32 | task*
 *   task    := length int32 | taskId int64 | fnId int64 | calls int32 | (argc int8 | value*)*
 *              (length: of what follows it; a worker moves past a task whose arguments failed)
 * </pre>
 * A worker runs tasks in the order received, so the pool knows which of the tasks it sent have
 * started: the oldest unanswered one may be running (the worker's status slot says whether it
 * is), the others have not.
 *
 * <h2>Task pipe, worker to pool</h2>
 * <pre>
 *   RESULTS     1 | count int32 | result*        (answers in the order of the tasks)
 *   result     := taskId int64 | runNanos int64 | 0 | count int32 | value*          (every call returned)
 *               | taskId int64 | runNanos int64 | 1 | index int32 | softLimitHit int8 | error
 *               | taskId int64 | 0 int64        | 2                                   (skipped: cancelled before it started)
 *   RETIRING    3 | reason (text)                 (runs nothing more, then exits)
 *   INIT_FAILED 4 | error
 *   error      := className (text) | hasMessage int8 [message (text)] | stack trace (text) |
 *                 hasObject int8 [value]
 * </pre>
 *
 * <h2>Control pipe, pool to worker (one simplex pipe per worker)</h2>
 * <pre>
 *   CONFIG 10 | generation int32 | count int32 | names (text each) | maxTasks int32 (0: none) |
 *             softLimitNanos int64 (0: none) | memoryLimitBytes int64 (0: none) |
 *             hasInitializer int8 [function (int32 length, bytes) | argc int8 | value*]
 *   CANCEL 11 | taskId int64 | interrupt int8
 * </pre>
 *
 * <h2>Values</h2>
 * <pre>
 *   value := 0 null | 1 String (text) | 2 Integer int32 | 3 Long int64 | 4 Double (IEEE bits int64) |
 *            5 Boolean int8 | 6 byte[] (int32 length, bytes) |
 *            99 anything else: int32 length, {@link Codec#writeValue} bytes (allow-list checked)
 *   text  := int32 length | UTF-8 bytes
 * </pre>
 * The common values are written here directly (a map of a million ints spends its time here);
 * the codec's value format names classes rather than numbering them, so a worker whose
 * allow-list is a superset of the writer's reads everything.
 */
final class PoolWire {
    static final byte DEFINE = 1;
    static final byte FORGET = 2;
    static final byte REGISTRY = 3;
    static final byte BATCH = 4;

    static final byte RESULTS = 1;
    static final byte RETIRING = 3;
    static final byte INIT_FAILED = 4;

    static final byte OK = 0;
    static final byte FAILED = 1;
    static final byte SKIPPED = 2;

    static final byte CONFIG = 10;
    static final byte CANCEL = 11;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private PoolWire() {}

    /**
     * A growable message buffer; not thread-safe. One made {@link #byReference()} keeps the
     * {@code byte[]} values of {@link #REFERENCE_AT} bytes and more by reference instead of
     * copying them: the message is then the buffer's bytes with those arrays spliced in at the
     * positions they were written ({@link #addTo}), sent without ever being one array.
     */
    static final class Out {
        /** The size from which a by-reference buffer keeps a byte array by reference. */
        static final int REFERENCE_AT = 64 * 1024;
        byte[] buf;
        int size;
        private boolean byReference;
        // the arrays kept by reference, each spliced in before buf[refAt[i]]
        private byte[][] refs;
        private int[] refAt;
        private int refCount;
        private long refBytes;

        Out(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        /** Large byte arrays are kept by reference from now on (they must not change until sent). */
        Out byReference() {
            byReference = true;
            return this;
        }

        /** Writes a byte array as int32 length and its bytes, or a reference to them (see {@link #byReference()}). */
        Out writeBytes(byte[] b) {
            writeInt(b.length);
            if (!byReference || b.length < REFERENCE_AT) {
                return write(b);
            }
            if (refs == null) {
                refs = new byte[8][];
                refAt = new int[8];
            } else if (refCount == refs.length) {
                refs = Arrays.copyOf(refs, refCount * 2);
                refAt = Arrays.copyOf(refAt, refCount * 2);
            }
            refs[refCount] = b;
            refAt[refCount] = size;
            refCount++;
            refBytes += b.length;
            return this;
        }

        /** The message's length, arrays kept by reference included. */
        long length() {
            return size + refBytes;
        }

        /** Whether the message holds arrays by reference (then only {@link #addTo} gives all of it). */
        boolean gathered() {
            return refCount > 0;
        }

        /** Appends the message's pieces from its byte {@code from} (within the buffer's bytes before the first reference) to {@code g}. */
        void addTo(org.multiprocessing4j.internal.ipc.Gather g, int from) {
            int pos = from;
            for (int i = 0; i < refCount; i++) {
                g.add(buf, pos, refAt[i] - pos);
                g.add(refs[i], 0, refs[i].length);
                pos = refAt[i];
            }
            g.add(buf, pos, size - pos);
        }

        void reset() {
            size = 0;
        }

        int size() {
            return size;
        }

        byte[] buffer() {
            return buf;
        }

        byte[] bytes() {
            if (refCount > 0) {
                throw new IllegalStateException("a message with arrays kept by reference is sent gathered");
            }
            return Arrays.copyOf(buf, size);
        }

        private void ensure(int n) {
            if (size + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
            }
        }

        Out writeByte(int v) {
            ensure(1);
            buf[size++] = (byte) v;
            return this;
        }

        Out writeInt(int v) {
            ensure(4);
            INT.set(buf, size, v);
            size += 4;
            return this;
        }

        Out writeLong(long v) {
            ensure(8);
            LONG.set(buf, size, v);
            size += 8;
            return this;
        }

        Out write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, size, len);
            size += len;
            return this;
        }

        Out write(byte[] b) {
            return write(b, 0, b.length);
        }

        Out writeText(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            writeInt(b.length);
            return write(b);
        }

        /** Overwrites the int at {@code at} (a count known only at the end). */
        void putInt(int at, int v) {
            INT.set(buf, at, v);
        }
    }

    /** A reader over one message; lengths are checked against what is left. */
    static final class In {
        final byte[] buf;
        int pos;
        final int limit;

        In(byte[] buf) {
            this(buf, 0, buf.length);
        }

        In(byte[] buf, int pos, int limit) {
            this.buf = buf;
            this.pos = pos;
            this.limit = limit;
        }

        private void need(int n) throws IOException {
            if (n < 0 || limit - pos < n) {
                throw new IOException("malformed pool message: " + n + " bytes wanted at " + pos + " of " + limit);
            }
        }

        byte readByte() throws IOException {
            need(1);
            return buf[pos++];
        }

        /** The next byte, left to be read. */
        byte peekByte() throws IOException {
            need(1);
            return buf[pos];
        }

        int readInt() throws IOException {
            need(4);
            int v = (int) INT.get(buf, pos);
            pos += 4;
            return v;
        }

        long readLong() throws IOException {
            need(8);
            long v = (long) LONG.get(buf, pos);
            pos += 8;
            return v;
        }

        byte[] readBytes() throws IOException {
            int n = readInt();
            need(n);
            byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }

        String readText() throws IOException {
            int n = readInt();
            need(n);
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }
    }

    /**
     * A receive buffer reused from message to message (so that large messages do not each cost
     * a fresh array, and a collection, on both sides); a message is fully decoded before the
     * next is received. It grows to the largest message, and goes back to its first size after
     * a message above {@link #KEPT}. Not thread-safe: one reader.
     */
    static final class Inbox {
        private static final int FIRST = 64 * 1024;
        static final int KEPT = 64 << 20;
        private final int first;
        private final int kept;
        private byte[] buf;

        Inbox() {
            this(FIRST, KEPT);
        }

        /** A buffer of {@code first} bytes that goes back to that size after a message above {@code kept}. */
        Inbox(int first, int kept) {
            this.first = first;
            this.kept = kept;
            this.buf = new byte[first];
        }

        In receive(Connection from) throws IOException, InterruptedException {
            return receive(from, Integer.MAX_VALUE - 64);
        }

        /**
         * Receives one message of at most {@code max} bytes.
         *
         * @throws TooLarge when the message is longer (it is left unread)
         */
        In receive(Connection from, long max) throws IOException, InterruptedException {
            if (buf.length > kept) {
                buf = new byte[first];
            }
            while (true) {
                try {
                    int n = from.recvBytesInto(buf);
                    return new In(buf, 0, n);
                } catch (BufferTooShortException e) {
                    if (e.messageLength() > max) {
                        throw new TooLarge("message of " + e.messageLength() + " bytes refused (limit " + max + ")");
                    }
                    long want = Math.max(e.messageLength(), Math.min((long) buf.length * 2, Integer.MAX_VALUE - 64));
                    if (want > Integer.MAX_VALUE - 64) {
                        throw new IOException("pool message of " + e.messageLength() + " bytes is too large", e);
                    }
                    buf = new byte[(int) want];
                }
            }
        }
    }

    /** A message longer than a receiver's limit. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(String message) {
            super(message);
        }
    }

    static void writeValue(Out out, Object v, Codec codec) {
        switch (v) {
            case null -> out.writeByte(0);
            case Integer i -> out.writeByte(2).writeInt(i);
            case Long l -> out.writeByte(3).writeLong(l);
            case String s -> out.writeByte(1).writeText(s);
            case Double d -> out.writeByte(4).writeLong(Double.doubleToRawLongBits(d));
            case Boolean b -> out.writeByte(5).writeByte(b ? 1 : 0);
            case byte[] b -> out.writeByte(6).writeBytes(b);
            default -> {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
                try {
                    codec.writeValue(new DataOutputStream(bytes), v);
                } catch (IOException e) {
                    throw new SerializationException("cannot serialise " + v.getClass().getName() + ": " + e, v.getClass().getName(), e);
                }
                out.writeByte(99).writeInt(bytes.size()).write(bytes.toByteArray());
            }
        }
    }

    static Object readValue(In in, Codec codec) throws IOException {
        int tag = in.readByte();
        return switch (tag) {
            case 0 -> null;
            case 1 -> in.readText();
            case 2 -> in.readInt();
            case 3 -> in.readLong();
            case 4 -> Double.longBitsToDouble(in.readLong());
            case 5 -> in.readByte() != 0;
            case 6 -> in.readBytes();
            case 99 -> {
                int n = in.readInt();
                in.need(n);
                int start = in.pos;
                in.pos += n; // past it first: a value refused here leaves the rest of the message readable
                yield codec.readValue(new DataInputStream(new ByteArrayInputStream(in.buf, start, n)));
            }
            default -> throw new IOException("malformed pool message: value tag " + tag);
        };
    }

    static byte[] define(long fnId, byte[] function) {
        return new Out(function.length + 16).writeByte(DEFINE).writeLong(fnId).writeInt(function.length).write(function).bytes();
    }

    static byte[] forget(long fnId) {
        return new Out(9).writeByte(FORGET).writeLong(fnId).bytes();
    }

    static byte[] registry(int generation, List<String> names) {
        Out out = new Out(64 + names.size() * 48).writeByte(REGISTRY);
        writeRegistry(out, generation, names);
        return out.bytes();
    }

    static void writeRegistry(Out out, int generation, List<String> names) {
        out.writeInt(generation).writeInt(names.size());
        for (String n : names) {
            out.writeText(n);
        }
    }

    static List<String> readNames(In in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.limit - in.pos) {
            throw new IOException("malformed registry: " + n + " names");
        }
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            names[i] = in.readText();
        }
        return List.of(names);
    }

    /**
     * Writes an exception: its class, message and printed stack trace always; the object itself
     * when the codec can write it (a JDK or registered exception class).
     */
    static void writeError(Out out, Throwable error, Codec codec) {
        out.writeText(error.getClass().getName());
        String message = error.getMessage();
        out.writeByte(message == null ? 0 : 1);
        if (message != null) {
            out.writeText(message);
        }
        StringWriter trace = new StringWriter();
        error.printStackTrace(new PrintWriter(trace));
        out.writeText(trace.toString());
        Out object = new Out(512);
        try {
            writeValue(object, error, codec);
        } catch (RuntimeException | StackOverflowError e) {
            object = null; // not allowed or not serialisable: the text stands for it
        }
        out.writeByte(object == null ? 0 : 1);
        if (object != null) {
            out.write(object.buf, 0, object.size);
        }
    }

    /** Reads what {@link #writeError} wrote: the exception itself when it decodes, else a {@link RemoteTaskException}. */
    static Throwable readError(In in, Codec codec) throws IOException {
        String className = in.readText();
        String message = in.readByte() != 0 ? in.readText() : null;
        String trace = in.readText();
        if (in.readByte() != 0) {
            try {
                if (readValue(in, codec) instanceof Throwable t) {
                    return t;
                }
            } catch (RuntimeException e) {
                // fall through to the text form
            }
        }
        if (className.equals(SerializationException.class.getName())) {
            // the library's own: a result that could not be sent back, or an argument the worker could not read
            return new SerializationException(message, null, new RemoteTaskException(className, message, trace));
        }
        return new RemoteTaskException(className, message, trace);
    }
}
