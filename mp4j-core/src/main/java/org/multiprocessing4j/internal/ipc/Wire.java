package org.multiprocessing4j.internal.ipc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
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
 * Multi-byte values are in the machine's byte order (both ends share the machine).
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

    private Wire() {}

    /** The message bytes of {@code value}. */
    public static byte[] encode(Object value, Codec codec) {
        byte[] out;
        switch (value) {
            case null -> out = new byte[] {NULL};
            case Integer i -> {
                out = new byte[5];
                out[0] = INT;
                MemorySegment.ofArray(out).set(JAVA_INT_UNALIGNED, 1, i);
            }
            case Long l -> {
                out = new byte[9];
                out[0] = LONG;
                MemorySegment.ofArray(out).set(JAVA_LONG_UNALIGNED, 1, l);
            }
            case Double d -> {
                out = new byte[9];
                out[0] = DOUBLE;
                MemorySegment.ofArray(out).set(JAVA_DOUBLE_UNALIGNED, 1, d);
            }
            case Boolean b -> out = new byte[] {BOOLEAN, (byte) (b ? 1 : 0)};
            case String s -> out = tagged(STRING, s.getBytes(StandardCharsets.UTF_8));
            case byte[] b -> out = tagged(BYTES, b);
            default -> out = tagged(CODEC, codec.encode(value));
        }
        return out;
    }

    private static byte[] tagged(byte tag, byte[] body) {
        byte[] out = new byte[body.length + 1];
        out[0] = tag;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
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

    /** A source of the bytes {@code b[off, off + len)}. */
    public static Ring.Source source(byte[] b, int off) {
        return (dst, at, from, n) -> MemorySegment.copy(b, off + (int) from, dst, JAVA_BYTE, at, n);
    }
}
