package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.multiprocessing4j.internal.codec.Codec;

/** {@link MapResult}: parts kept unboxed or as objects read back as the values written, in order. */
class MapResultTest {
    private final Codec codec = new Codec(MapResultTest.class.getClassLoader());

    /** Writes {@code values} as a worker answers a task, then reads them into {@code r} at {@code index}. */
    private SerializationException put(MapResult r, int index, List<?> values) throws IOException {
        PoolWire.Out out = new PoolWire.Out(64);
        for (Object v : values) {
            PoolWire.writeValue(out, v, codec);
        }
        out.writeByte(77); // what follows in the message stays unread
        PoolWire.In in = new PoolWire.In(out.buffer(), 0, out.size());
        SerializationException failure = r.read(index, values.size(), in, codec);
        assertEquals(77, in.readByte());
        return failure;
    }

    @Test
    void everyKindOfPartReadsBackAsWritten() throws IOException {
        List<Object> expected = new ArrayList<>();
        MapResult r = new MapResult(17, 3);
        List<List<?>> parts = List.of(
                List.of(1L, -2L, Long.MAX_VALUE),            // longs
                List.of(4, Integer.MIN_VALUE, 6),            // ints
                List.of(0.5, -0.0, Double.NaN),              // doubles
                List.of(7L, 8, 9L),                          // longs, then an int: objects from there
                Arrays.asList(null, "ten", 11),              // objects
                List.of(12.5, 13L));                         // the short last part, mixed
        for (int p = 0; p < parts.size(); p++) {
            assertNull(put(r, 3 * p, parts.get(p)));
            expected.addAll(parts.get(p));
        }
        assertEquals(expected, r);
        assertEquals(expected.hashCode(), r.hashCode());
        assertInstanceOf(Long.class, r.get(0));
        assertInstanceOf(Integer.class, r.get(3));
        assertInstanceOf(Double.class, r.get(6));
        assertInstanceOf(Integer.class, r.get(10));
        assertThrows(IndexOutOfBoundsException.class, () -> r.get(17));
        assertThrows(UnsupportedOperationException.class, () -> r.set(0, 1L));
    }

    @Test
    void aTaskWithTheWrongNumberOfValuesIsRefused() {
        MapResult r = new MapResult(5, 2);
        assertThrows(IOException.class, () -> put(r, 0, List.of(1L)));
        assertThrows(IOException.class, () -> put(r, 1, List.of(1L, 2L)));
        assertThrows(IllegalArgumentException.class, () -> new MapResult(3, 0));
    }
}
