package org.multiprocessing4j.internal.ipc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.multiprocessing4j.internal.codec.Codec;

/** The message format: what {@link Wire.Message} writes, whole or in parts, decodes to the value. */
class WireTest {
    private final Codec codec = new Codec(WireTest.class.getClassLoader());

    private static final List<Object> VALUES = List.of(0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 7L, Long.MIN_VALUE,
            3.25, Double.NaN, -0.0, true, false, "", "h\u00e9llo \u4e16\u754c", new byte[0], new byte[] {1, 2, 3},
            List.of(1, "two"));

    @Test
    void everyKindRoundTripsWholeAndInParts() {
        for (Object v : VALUES) {
            Wire.Message m = Wire.encode(v, codec);
            byte[] bytes = m.toBytes();
            assertEquals(bytes.length, m.length(), "length of " + v);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment whole = arena.allocate(m.length() + 16);
                m.copyTo(whole, 3, 0, m.length());
                assertArrayEquals(bytes, whole.asSlice(3, m.length()).toArray(ValueLayout.JAVA_BYTE), "copy of " + v);
                assertDecodes(v, Wire.decode(whole, 3, m.length(), codec));
                // every split point: the ring writes a long message in chunks
                for (int cut = 0; cut <= m.length(); cut++) {
                    MemorySegment parts = arena.allocate(m.length() + 1);
                    m.copyTo(parts, 0, 0, cut);
                    m.copyTo(parts, cut, cut, m.length() - cut);
                    assertArrayEquals(bytes, parts.asSlice(0, m.length()).toArray(ValueLayout.JAVA_BYTE),
                            "copy of " + v + " cut at " + cut);
                }
            }
        }
    }

    @Test
    void nullIsTheTagAlone() {
        Wire.Message m = Wire.encode(null, codec);
        assertEquals(1, m.length());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(1);
            m.copyTo(s, 0, 0, 1);
            assertEquals(null, Wire.decode(s, 0, 1, codec));
        }
    }

    @Test
    void rawBytesHaveNoTagAndKeepTheirRange() {
        byte[] b = {9, 8, 7, 6, 5, 4};
        Wire.Message m = Wire.raw(b, 1, 4);
        assertEquals(4, m.length());
        assertArrayEquals(new byte[] {8, 7, 6, 5}, m.toBytes());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4);
            m.copyTo(s, 0, 0, 1);
            m.copyTo(s, 1, 1, 3);
            assertArrayEquals(new byte[] {8, 7, 6, 5}, s.toArray(ValueLayout.JAVA_BYTE));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> Wire.raw(b, 3, 4));
    }

    @Test
    void scalarsAreInTheMachinesByteOrder() {
        byte[] bytes = Wire.encode(0x01020304, codec).toBytes();
        MemorySegment s = MemorySegment.ofArray(bytes);
        assertEquals(0x01020304, s.get(ValueLayout.JAVA_INT_UNALIGNED, 1));
        assertEquals(Double.doubleToRawLongBits(-0.0),
                MemorySegment.ofArray(Wire.encode(-0.0, codec).toBytes()).get(ValueLayout.JAVA_LONG_UNALIGNED, 1));
    }

    private static void assertDecodes(Object expected, Object actual) {
        if (expected instanceof byte[] e) {
            assertArrayEquals(e, (byte[]) actual);
        } else if (expected instanceof Double d && d.isNaN()) {
            assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits((Double) actual));
        } else {
            assertEquals(expected, actual, "decoded " + (expected == null ? "null" : Arrays.deepToString(new Object[] {expected})));
        }
    }
}
