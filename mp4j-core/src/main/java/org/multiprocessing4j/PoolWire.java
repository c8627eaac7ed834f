package org.multiprocessing4j;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * The messages between a {@link Pool} and its workers, as raw bytes on pipes
 * ({@link Connection#sendBytes}); values inside are written with {@link Codec#writeValue}, which
 * names classes rather than numbering them, so a worker whose allow-list is a superset of the
 * writer's reads them.
 *
 * <h2>Task pipe, pool to worker (one duplex pipe per worker)</h2>
 * <pre>
 *   DEFINE   1 | fnId int64 | function (int32 length, {@link Codec#encodeFunction} bytes)
 *   FORGET   2 | fnId int64
 *   REGISTRY 3 | generation int32 | count int32 | class names (UTF each)
 *   TASK     4 | taskId int64 | fnId int64 | calls int32 | (argc int8 | value*)*
 * </pre>
 * A worker runs TASKs in the order received, so the pool knows which of the tasks it sent have
 * started: the oldest unanswered one may be running (the worker's status slot says whether it
 * is), the others have not.
 *
 * <h2>Task pipe, worker to pool</h2>
 * <pre>
 *   RESULT      1 | taskId int64 | runNanos int64 | 0 | count int32 | value*      (every call returned)
 *               1 | taskId int64 | runNanos int64 | 1 | index int32 | softLimitHit int8 | error
 *   CANCELLED   2 | taskId int64                                                  (skipped, cancelled before it started)
 *   RETIRING    3 | reason (UTF)                                                  (runs nothing more, then exits)
 *   INIT_FAILED 4 | error
 *   error := className (UTF) | hasMessage int8 [message (text)] | stack trace (text) | hasObject int8 [int32 length, value bytes]
 *   text  := int32 length | UTF-8 bytes
 * </pre>
 *
 * <h2>Control pipe, pool to worker (one simplex pipe per worker)</h2>
 * <pre>
 *   CONFIG 10 | generation int32 | count int32 | names (UTF each) | maxTasks int32 (0: none) |
 *             softLimitNanos int64 (0: none) | memoryLimitBytes int64 (0: none) |
 *             hasInitializer int8 [function (int32 length, bytes) | argc int8 | value*]
 *   CANCEL 11 | taskId int64 | interrupt int8
 * </pre>
 */
final class PoolWire {
    static final byte DEFINE = 1;
    static final byte FORGET = 2;
    static final byte REGISTRY = 3;
    static final byte TASK = 4;

    static final byte RESULT = 1;
    static final byte CANCELLED = 2;
    static final byte RETIRING = 3;
    static final byte INIT_FAILED = 4;

    static final byte CONFIG = 10;
    static final byte CANCEL = 11;

    private PoolWire() {}

    /** A growable byte buffer with a data view; one message each. */
    static final class Out extends ByteArrayOutputStream {
        final DataOutputStream data = new DataOutputStream(this);

        Out(int size) {
            super(size);
        }

        byte[] bytes() {
            return toByteArray();
        }

        /** The internal array; the message is its first {@link #size()} bytes. */
        byte[] buffer() {
            return buf;
        }
    }

    static DataInputStream in(byte[] message) {
        return new DataInputStream(new java.io.ByteArrayInputStream(message));
    }

    static byte[] define(long fnId, byte[] function) {
        try {
            Out out = new Out(function.length + 16);
            out.data.writeByte(DEFINE);
            out.data.writeLong(fnId);
            out.data.writeInt(function.length);
            out.data.write(function);
            return out.bytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] forget(long fnId) {
        try {
            Out out = new Out(9);
            out.data.writeByte(FORGET);
            out.data.writeLong(fnId);
            return out.bytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] registry(int generation, List<String> names) {
        try {
            Out out = new Out(64 + names.size() * 48);
            out.data.writeByte(REGISTRY);
            writeRegistry(out.data, generation, names);
            return out.bytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void writeRegistry(DataOutputStream out, int generation, List<String> names) throws IOException {
        out.writeInt(generation);
        out.writeInt(names.size());
        for (String n : names) {
            out.writeUTF(n);
        }
    }

    static List<String> readNames(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1_000_000) {
            throw new IOException("malformed registry: " + n + " names");
        }
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            names[i] = in.readUTF();
        }
        return List.of(names);
    }

    static void writeText(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readText(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("malformed text of length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * Writes an exception: its class, message and printed stack trace always; the object itself
     * when the codec can write it (a JDK or registered exception class).
     */
    static void writeError(DataOutputStream out, Throwable error, Codec codec) throws IOException {
        out.writeUTF(error.getClass().getName());
        String message = error.getMessage();
        out.writeByte(message == null ? 0 : 1);
        if (message != null) {
            writeText(out, message);
        }
        StringWriter trace = new StringWriter();
        error.printStackTrace(new PrintWriter(trace));
        writeText(out, trace.toString());
        byte[] object = null;
        try {
            Out o = new Out(512);
            codec.writeValue(o.data, error);
            object = o.bytes();
        } catch (RuntimeException | IOException | StackOverflowError e) {
            object = null; // not allowed or not serialisable: the text stands for it
        }
        out.writeByte(object == null ? 0 : 1);
        if (object != null) {
            out.writeInt(object.length);
            out.write(object);
        }
    }

    /** Reads what {@link #writeError} wrote: the exception itself when it decodes, else a {@link RemoteTaskException}. */
    static Throwable readError(DataInputStream in, Codec codec) throws IOException {
        String className = in.readUTF();
        String message = in.readByte() != 0 ? readText(in) : null;
        String trace = readText(in);
        if (in.readByte() != 0) {
            int n = in.readInt();
            if (n < 0 || n > in.available()) {
                throw new IOException("malformed error of length " + n);
            }
            byte[] b = new byte[n];
            in.readFully(b);
            try {
                if (codec.readValue(in(b)) instanceof Throwable t) {
                    return t;
                }
            } catch (RuntimeException | IOException e) {
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
