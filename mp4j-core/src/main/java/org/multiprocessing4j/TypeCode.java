package org.multiprocessing4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.ValueLayout;

/**
 * The element types of {@link Value} and {@link Array}: CPython's {@code array}/{@code ctypes}
 * typecodes, with their sizes on 64-bit Linux.
 *
 * <table>
 *   <caption>Typecodes</caption>
 *   <tr><th>code</th><th>C type</th><th>bytes</th><th>{@code get()} returns</th><th>Java array for bulk copies</th></tr>
 *   <tr><td>c</td><td>char (one byte)</td><td>1</td><td>Byte</td><td>byte[]</td></tr>
 *   <tr><td>b</td><td>signed char</td><td>1</td><td>Byte</td><td>byte[]</td></tr>
 *   <tr><td>B</td><td>unsigned char</td><td>1</td><td>Short (0..255)</td><td>byte[]</td></tr>
 *   <tr><td>h</td><td>short</td><td>2</td><td>Short</td><td>short[]</td></tr>
 *   <tr><td>H</td><td>unsigned short</td><td>2</td><td>Integer (0..65535)</td><td>short[]</td></tr>
 *   <tr><td>i</td><td>int</td><td>4</td><td>Integer</td><td>int[]</td></tr>
 *   <tr><td>I</td><td>unsigned int</td><td>4</td><td>Long (0..2^32-1)</td><td>int[]</td></tr>
 *   <tr><td>l</td><td>long</td><td>8</td><td>Long</td><td>long[]</td></tr>
 *   <tr><td>L</td><td>unsigned long</td><td>8</td><td>Long (the 64 bits; see {@link Long#toUnsignedString})</td><td>long[]</td></tr>
 *   <tr><td>q</td><td>long long</td><td>8</td><td>Long</td><td>long[]</td></tr>
 *   <tr><td>Q</td><td>unsigned long long</td><td>8</td><td>Long (the 64 bits)</td><td>long[]</td></tr>
 *   <tr><td>f</td><td>float</td><td>4</td><td>Float</td><td>float[]</td></tr>
 *   <tr><td>d</td><td>double</td><td>8</td><td>Double</td><td>double[]</td></tr>
 * </table>
 * Storing an integer outside the type's range throws {@link IllegalArgumentException} (CPython's
 * ctypes would silently truncate); {@code L} and {@code Q} take any {@code long} as 64 bits.
 */
public enum TypeCode {
    /** {@code 'c'}: one byte (CPython: a bytes object of length 1). */
    CHAR('c', JAVA_BYTE, Byte.MIN_VALUE, 255),
    /** {@code 'b'}: signed char. */
    SIGNED_CHAR('b', JAVA_BYTE, Byte.MIN_VALUE, Byte.MAX_VALUE),
    /** {@code 'B'}: unsigned char. */
    UNSIGNED_CHAR('B', JAVA_BYTE, 0, 255),
    /** {@code 'h'}: short. */
    SHORT('h', JAVA_SHORT, Short.MIN_VALUE, Short.MAX_VALUE),
    /** {@code 'H'}: unsigned short. */
    UNSIGNED_SHORT('H', JAVA_SHORT, 0, 65535),
    /** {@code 'i'}: int. */
    INT('i', JAVA_INT, Integer.MIN_VALUE, Integer.MAX_VALUE),
    /** {@code 'I'}: unsigned int. */
    UNSIGNED_INT('I', JAVA_INT, 0, 0xFFFF_FFFFL),
    /** {@code 'l'}: long (8 bytes on 64-bit Linux). */
    LONG('l', JAVA_LONG, Long.MIN_VALUE, Long.MAX_VALUE),
    /** {@code 'L'}: unsigned long. */
    UNSIGNED_LONG('L', JAVA_LONG, Long.MIN_VALUE, Long.MAX_VALUE),
    /** {@code 'q'}: long long. */
    LONG_LONG('q', JAVA_LONG, Long.MIN_VALUE, Long.MAX_VALUE),
    /** {@code 'Q'}: unsigned long long. */
    UNSIGNED_LONG_LONG('Q', JAVA_LONG, Long.MIN_VALUE, Long.MAX_VALUE),
    /** {@code 'f'}: float. */
    FLOAT('f', JAVA_FLOAT, 0, 0),
    /** {@code 'd'}: double. */
    DOUBLE('d', JAVA_DOUBLE, 0, 0);

    private final char code;
    private final ValueLayout layout;
    private final long min;
    private final long max;

    TypeCode(char code, ValueLayout layout, long min, long max) {
        this.code = code;
        this.layout = layout;
        this.min = min;
        this.max = max;
    }

    /**
     * The type of a CPython typecode.
     *
     * @throws IllegalArgumentException for any other character
     */
    public static TypeCode of(char code) {
        for (TypeCode t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("bad typecode '" + code + "' (must be one of c b B h H i I l L q Q f d)");
    }

    /** The CPython typecode character. */
    public char code() {
        return code;
    }

    /** Bytes per element. */
    public int byteSize() {
        return (int) layout.byteSize();
    }

    /** True for {@code f} and {@code d}. */
    public boolean isFloatingPoint() {
        return this == FLOAT || this == DOUBLE;
    }

    ValueLayout layout() {
        return layout;
    }

    /** The Java array class bulk copies use for this type. */
    Class<?> arrayClass() {
        return switch (byteSize()) {
            case 1 -> byte[].class;
            case 2 -> short[].class;
            case 4 -> this == FLOAT ? float[].class : int[].class;
            default -> this == DOUBLE ? double[].class : long[].class;
        };
    }

    /** Checks that {@code v} fits (integer types). */
    long checkRange(long v) {
        if (!isFloatingPoint() && (v < min || v > max)) {
            throw new IllegalArgumentException("value " + v + " out of range for typecode '" + code + "' ["
                    + min + ", " + max + "]");
        }
        return v;
    }

    /** The stored bits of {@code v} as a Java number of this type's {@code get()} class. */
    Number box(long raw) {
        return switch (this) {
            case CHAR, SIGNED_CHAR -> (byte) raw;
            case UNSIGNED_CHAR -> (short) (raw & 0xff);
            case SHORT -> (short) raw;
            case UNSIGNED_SHORT -> (int) (raw & 0xffff);
            case INT -> (int) raw;
            case UNSIGNED_INT -> raw & 0xFFFF_FFFFL;
            case FLOAT -> Float.intBitsToFloat((int) raw);
            case DOUBLE -> Double.longBitsToDouble(raw);
            default -> raw;
        };
    }

    /** The value of {@code raw} bits as a long (integer types, unsigned ones zero-extended up to 32 bits). */
    long toLong(long raw) {
        return switch (this) {
            case CHAR, SIGNED_CHAR -> (byte) raw;
            case UNSIGNED_CHAR -> raw & 0xff;
            case SHORT -> (short) raw;
            case UNSIGNED_SHORT -> raw & 0xffff;
            case INT -> (int) raw;
            case UNSIGNED_INT -> raw & 0xFFFF_FFFFL;
            case FLOAT -> (long) Float.intBitsToFloat((int) raw);
            case DOUBLE -> (long) Double.longBitsToDouble(raw);
            default -> raw;
        };
    }

    /** The value of {@code raw} bits as a double. */
    double toDouble(long raw) {
        return switch (this) {
            case FLOAT -> Float.intBitsToFloat((int) raw);
            case DOUBLE -> Double.longBitsToDouble(raw);
            case UNSIGNED_LONG, UNSIGNED_LONG_LONG -> raw >= 0 ? raw : (double) (raw >>> 1) * 2.0 + (raw & 1);
            default -> toLong(raw);
        };
    }

    /** The bits to store for a long value (range-checked). */
    long fromLong(long v) {
        return switch (this) {
            case FLOAT -> Float.floatToRawIntBits(v);
            case DOUBLE -> Double.doubleToRawLongBits(v);
            default -> checkRange(v);
        };
    }

    /** The bits to store for a double value (integer types: must be a whole number in range). */
    long fromDouble(double v) {
        return switch (this) {
            case FLOAT -> Float.floatToRawIntBits((float) v);
            case DOUBLE -> Double.doubleToRawLongBits(v);
            default -> {
                long l = (long) v;
                if (l != v) {
                    throw new IllegalArgumentException("value " + v + " is not a whole number for typecode '" + code + "'");
                }
                yield checkRange(l);
            }
        };
    }

    /** The bits to store for any Number (Float/Double through {@link #fromDouble}, the rest through {@link #fromLong}). */
    long fromNumber(Number n) {
        if (n == null) {
            throw new NullPointerException("value for typecode '" + code + "' is null");
        }
        return n instanceof Double || n instanceof Float ? fromDouble(n.doubleValue()) : fromLong(n.longValue());
    }
}
