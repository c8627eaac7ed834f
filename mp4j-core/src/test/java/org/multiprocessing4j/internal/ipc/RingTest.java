package org.multiprocessing4j.internal.ipc;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * The ring's early wraps and position arithmetic, on a giving-back ring of 64 MiB (a resident
 * prefix of 1 MiB) in one process; the queues' contract tests run it across processes.
 */
@Timeout(120)
class RingTest {
    private static final long CAPACITY = 64L << 20;
    private static final long PREFIX = Ring.residentPrefix(CAPACITY);
    private static final long TWO_TO_63 = Long.MIN_VALUE; // 2^63 as an unsigned position

    private final List<Segment> segments = new ArrayList<>();

    @AfterEach
    void unlink() {
        segments.forEach(Segments::unlink);
    }

    private Ring ring(long start) {
        Segment s = Segments.create(14, QueueCore.DATA + CAPACITY);
        segments.add(s);
        return Ring.create(s, 0, QueueCore.DATA, CAPACITY, 0, Ring.GIVE_BACK, start);
    }

    /** A message of {@code length} bytes whose first four are {@code seq}, the rest derived from it. */
    private static byte[] message(int seq, int length) {
        byte[] b = new byte[Math.max(4, length)];
        for (int i = 4; i < b.length; i++) {
            b[i] = (byte) (seq * 31 + i);
        }
        MemorySegment.ofArray(b).set(JAVA_INT.withOrder(java.nio.ByteOrder.BIG_ENDIAN).withByteAlignment(1), 0, seq);
        return b;
    }

    private static boolean put(Ring r, byte[] m, long deadline) throws Exception {
        return r.put((dst, at, from, len) -> MemorySegment.copy(MemorySegment.ofArray(m), from, dst, at, len),
                m.length, 0, deadline, true, null);
    }

    private static void put(Ring r, byte[] m) throws Exception {
        assertTrue(put(r, m, Long.MAX_VALUE));
    }

    private static final Ring.Sink<byte[]> BYTES = (src, at, len, flags) -> src.asSlice(at, len).toArray(JAVA_BYTE);

    private static byte[] take(Ring r) throws Exception {
        Object o = r.take(BYTES, true, System.nanoTime() + TimeUnit.SECONDS.toNanos(10), true, null);
        assertNotSame(Ring.TIMED_OUT, o, "no message within 10 s");
        return (byte[]) o;
    }

    @Test
    void aConsumerThatKeepsUpKeepsTheProducerInThePrefix() throws Exception {
        assertEquals(1L << 20, PREFIX);
        Ring r = ring(0);
        long laps = 0;
        for (int i = 0; i < 200_000; i++) { // 20 MiB of messages, taken one by one
            long before = r.tail();
            byte[] m = message(i, 100);
            put(r, m);
            if (r.tail() - before > CAPACITY / 2) {
                laps++;
            }
            assertArrayEquals(m, take(r), "message " + i);
            assertTrue((r.tail() & (CAPACITY - 1)) < PREFIX + 256, "written beyond the prefix at " + r.tail());
        }
        assertTrue(laps >= 15, "early wraps: " + laps);
        assertEquals(r.tail(), r.head());
        long allocated = allocatedBytes(segments.get(0));
        assertTrue(allocated <= PREFIX + (64 << 10), "allocated " + allocated);
    }

    @Test
    void positionsCrossTwoToTheSixtyThird() throws Exception {
        Ring r = ring(TWO_TO_63 - 3 * (1L << 20)); // index 61 MiB: the first put wraps early
        byte[] first = message(0, 40);
        put(r, first);
        assertTrue(r.tail() < 0, "positions did not pass 2^63: " + r.tail());
        assertArrayEquals(first, take(r));
        // then both kinds of wrap, and chunked messages, on negative positions
        Ring s = ring(TWO_TO_63 - 8 * (1L << 20));
        byte[] big = message(1, 40 << 20); // 40 MiB: three chunks, across the end of the lap
        put(s, big);
        assertTrue(s.tail() < 0);
        assertArrayEquals(big, take(s));
        for (int i = 0; i < 50_000; i++) {
            byte[] m = message(i, 1 + i % 500);
            put(s, m);
            assertArrayEquals(m, take(s), "message " + i);
        }
        assertEquals(s.tail(), s.head());
        assertTrue(allocatedBytes(segments.get(1)) <= PREFIX + (1L << 20), "not given back");
    }

    @Test
    void aPutAfterAnEarlyWrapNeverWaitsForTheConsumers() throws Exception {
        Ring r = ring(TWO_TO_63 - CAPACITY);
        int seq = 0;
        // keep the ring empty until the producer wraps early, then stop taking
        for (;;) {
            long before = r.tail();
            byte[] m = message(seq++, 200);
            put(r, m);
            if (r.tail() - before > CAPACITY / 2) {
                break;
            }
            assertArrayEquals(m, take(r));
        }
        long wrapAt = r.head();
        assertTrue(r.tail() - wrapAt > CAPACITY / 2, "head is not at the WRAP");
        // the WRAP at about 1 MiB leaves the next lap little room: 40 MiB must still go in at once
        int from = seq - 1;
        for (int i = 0; i < 200_000; i++) {
            assertTrue(put(r, message(seq++, 200), System.nanoTime()), "put waited after " + i + " messages");
        }
        assertTrue(r.head() != wrapAt, "head was not moved past the WRAP");
        for (int i = from; i < seq; i++) {
            assertArrayEquals(message(i, 200), take(r), "message " + i);
        }
        assertSame(Ring.TIMED_OUT, r.take(BYTES, true, System.nanoTime(), false, null));
    }

    @Test
    void twoProducersAndTwoConsumersAcrossEarlyWrapsLoseNothing() throws Exception {
        Ring r = ring(TWO_TO_63 - 5 * (1L << 20));
        int perProducer = 150_000;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> producers = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int id = p;
                producers.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(id);
                    for (int i = 0; i < perProducer; i++) {
                        // now and then a burst of large messages, so that the ring is not always empty
                        int len = rnd.nextInt(100) == 0 ? 64 << 10 : 8 + rnd.nextInt(300);
                        put(r, message(id << 24 | i, len));
                    }
                    return null;
                }));
            }
            List<Future<int[]>> consumers = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                consumers.add(pool.submit(() -> {
                    int[] next = new int[2];
                    int[] count = new int[2];
                    for (;;) {
                        Object o = r.take(BYTES, true, System.nanoTime() + TimeUnit.SECONDS.toNanos(2), true, null);
                        if (o == Ring.TIMED_OUT) {
                            return count;
                        }
                        byte[] b = (byte[]) o;
                        int seq = MemorySegment.ofArray(b).get(JAVA_INT.withOrder(java.nio.ByteOrder.BIG_ENDIAN).withByteAlignment(1), 0);
                        int p = seq >>> 24;
                        int i = seq & 0xFFFFFF;
                        assertArrayEquals(message(seq, b.length), b, "damaged message " + p + "/" + i);
                        assertTrue(i >= next[p], "producer " + p + ": " + i + " after " + next[p]);
                        next[p] = i + 1;
                        count[p]++;
                    }
                }));
            }
            for (Future<?> f : producers) {
                f.get(60, TimeUnit.SECONDS);
            }
            int[] total = new int[2];
            for (Future<int[]> f : consumers) {
                int[] c = f.get(60, TimeUnit.SECONDS);
                total[0] += c[0];
                total[1] += c[1];
            }
            assertEquals(perProducer, total[0]);
            assertEquals(perProducer, total[1]);
            assertTrue(r.tail() - (TWO_TO_63 - 5 * (1L << 20)) > 2 * CAPACITY, "no early wraps: " + r.tail());
        } finally {
            pool.shutdownNow();
        }
    }

    private static long allocatedBytes(Segment s) throws Exception {
        Path file = Segments.DIR.resolve(Segments.PREFIX + s.name());
        java.lang.Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).start();
        String[] f = new String(p.getInputStream().readAllBytes()).trim().split(" ");
        p.waitFor();
        return Long.parseLong(f[0]) * Long.parseLong(f[1]);
    }
}
