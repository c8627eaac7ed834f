package org.multiprocessing4j.internal.ipc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * How an object travels as a message: one tag byte, then the value. The small values that most
 * messages are ({@code null}, Integer, Long, Double, Boolean, String, byte[]) have their own tags
 * and skip the codec; anything else goes through the context's {@link Codec} (Fory, behind the
 * allow-list). Encoding happens in the sender before anything is written, so an object that
 * cannot be serialised fails in the caller's {@code put}/{@code send}, naming its class.
 *
 * <pre>
 *  tag 0 null | 1 int32 | 2 int64 | 3 float64 | 4 bool (1 byte) | 5 UTF-8 string | 6 raw bytes | 7 codec bytes
 * </pre>
 * Multi-byte values are in the machine's byte order (both ends share the machine). A pipe's raw
 * messages ({@code sendBytes}) have no tag: the ring's record says they are raw.
 */
public final class Wire {
    private static final byte NULL = 0;
    private static final byte INT = 1;
    private static final byte LONG = 2;
    private static final byte DOUBLE = 3;
    private static final byte BOOLEAN = 4;
    private static final byte STRING = 5;
    private static final byte BYTES = 6;
    private static final byte CODEC = 7;
    /** Not a tag: a raw message ({@link #raw}) has none. */
    private static final int NO_TAG = -1;

    private Wire() {}

    /**
     * The message of {@code value}, ready to be written. A value that cannot be serialised fails
     * here, in the caller, before anything is written.
     *
     * <p>An {@code instanceof} chain rather than a pattern {@code switch}, and a scalar kept in a
     * long rather than written into an array through a heap memory segment: this method is
     * inlined into the user's loop around {@code put}, which a child JVM compiles while that loop
     * runs, on cores the loop needs. Measured (2026-11-24, {@code -XX:+LogCompilation} of
     * one-producer one-consumer queue children, 200,000 ints): with the {@code switch} (an
     * {@code invokedynamic} type switch), the heap-segment write and a lambda per message, C2
     * inlined 1,619 bytecodes into the producer's loop and took 4-27 ms to compile it; the
     * producer child's compiler threads used 4-19 ms of CPU inside samples of 30-45 ms.
     */
    public static Message encode(Object value, Codec codec) {
        if (value instanceof Integer i) {
            return new Message(INT, i, 5);
        }
        if (value == null) {
            return new Message(NULL, 0, 1);
        }
        if (value instanceof Long l) {
            return new Message(LONG, l, 9);
        }
        if (value instanceof Double d) {
            return new Message(DOUBLE, Double.doubleToRawLongBits(d), 9);
        }
        if (value instanceof Boolean b) {
            return new Message(BOOLEAN, b ? 1 : 0, 2);
        }
        if (value instanceof String s) {
            return new Message(STRING, s.getBytes(StandardCharsets.UTF_8), 0, -1);
        }
        if (value instanceof byte[] b) {
            return new Message(BYTES, b, 0, -1);
        }
        return new Message(CODEC, codec.encode(value), 0, -1);
    }

    /** The raw message {@code b[off, off + len)}, without a tag (a pipe's {@code sendBytes}). */
    public static Message raw(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        return new Message(NO_TAG, b, off, len);
    }

    /** The object of the message of {@code length} bytes at {@code at} of {@code src}. */
    public static Object decode(MemorySegment src, long at, int length, Codec codec) {
        if (length < 1) {
            throw new IllegalStateException("empty message");
        }
        byte tag = src.get(JAVA_BYTE, at);
        return switch (tag) {
            case NULL -> null;
            case INT -> src.get(JAVA_INT_UNALIGNED, at + 1);
            case LONG -> src.get(JAVA_LONG_UNALIGNED, at + 1);
            case DOUBLE -> src.get(JAVA_DOUBLE_UNALIGNED, at + 1);
            case BOOLEAN -> src.get(JAVA_BYTE, at + 1) != 0;
            case STRING -> new String(body(src, at, length), StandardCharsets.UTF_8);
            case BYTES -> body(src, at, length);
            case CODEC -> codec.decode(body(src, at, length));
            default -> throw new IllegalStateException("malformed message: tag " + tag);
        };
    }

    private static byte[] body(MemorySegment src, long at, int length) {
        byte[] b = new byte[length - 1];
        MemorySegment.copy(src, JAVA_BYTE, at + 1, b, 0, b.length);
        return b;
    }

    /**
     * One message as a ring's producer writes it: a tag and a scalar (null, int, long, double,
     * boolean: no array at all), a tag and a body array (text, bytes, codec output), or a body
     * alone (raw bytes). One final class for every kind, so that the ring's copy call sees this
     * type and {@link Gather} only. A body is referenced, not copied: a message is written into
     * the ring within the call that made it, as CPython pickles within {@code put}.
     */
    public static final class Message implements Ring.Source {
        private final int tag; // NO_TAG: raw bytes
        private final long bits; // a scalar's value, written in the machine's byte order
        private final byte[] body; // null for a scalar
        private final int offset;
        private final int length; // of the whole message, the tag included

        private Message(int tag, long bits, int length) {
            this.tag = tag;
            this.bits = bits;
            this.body = null;
            this.offset = 0;
            this.length = length;
        }

        /** {@code bodyLength} -1: the whole array from {@code offset}. */
        private Message(int tag, byte[] body, int offset, int bodyLength) {
            int n = bodyLength < 0 ? body.length - offset : bodyLength;
            if (tag != NO_TAG && n == Integer.MAX_VALUE) {
                throw new IllegalArgumentException("message too large: " + n + " bytes and a tag");
            }
            this.tag = tag;
            this.bits = 0;
            this.body = body;
            this.offset = offset;
            this.length = tag == NO_TAG ? n : n + 1;
        }

        /** The message's length in bytes. */
        public int length() {
            return length;
        }

        @Override
        public void copyTo(MemorySegment dst, long at, long from, int n) {
            if (body == null && from == 0 && n == length) {
                dst.set(JAVA_BYTE, at, (byte) tag);
                switch (length) {
                    case 2 -> dst.set(JAVA_BYTE, at + 1, (byte) bits);
                    case 5 -> dst.set(JAVA_INT_UNALIGNED, at + 1, (int) bits);
                    case 9 -> dst.set(JAVA_LONG_UNALIGNED, at + 1, bits);
                    default -> { } // null: the tag alone
                }
                return;
            }
            copyPart(dst, at, from, n);
        }

        /** Bytes {@code [from, from + n)} of a message with a body, or a part of a scalar one. */
        private void copyPart(MemorySegment dst, long at, long from, int n) {
            if (body == null) { // the ring never splits a scalar (its chunks are longer); defined all the same
                MemorySegment.copy(toBytes(), (int) from, dst, JAVA_BYTE, at, n);
                return;
            }
            if (tag == NO_TAG) {
                MemorySegment.copy(body, offset + (int) from, dst, JAVA_BYTE, at, n);
                return;
            }
            long to = at;
            long pos = from;
            int left = n;
            if (left > 0 && pos == 0) {
                dst.set(JAVA_BYTE, to, (byte) tag);
                to++;
                pos++;
                left--;
            }
            if (left > 0) {
                MemorySegment.copy(body, offset + (int) pos - 1, dst, JAVA_BYTE, to, left);
            }
        }

        /** The message's bytes as {@link #copyTo} writes them (a new array). */
        public byte[] toBytes() {
            byte[] out = new byte[length];
            copyTo(MemorySegment.ofArray(out), 0, 0, length);
            return out;
        }
    }
}
