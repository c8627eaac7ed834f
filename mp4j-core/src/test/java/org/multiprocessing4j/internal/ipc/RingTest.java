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
 * The ring's dense zone, early wraps, jumps and position arithmetic, on a giving-back ring of 64
 * MiB (a dense zone of 1 MiB) in one process; the queues' contract tests run it across processes.
 */
@Timeout(120)
class RingTest {
    private static final long CAPACITY = 64L << 20;
    private static final long DENSE = Ring.denseZone(CAPACITY);
    private static final long MIB = 1L << 20;
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
    void aConsumerThatKeepsUpKeepsTheProducerInTheDenseZone() throws Exception {
        assertEquals(MIB, DENSE);
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
            assertTrue((r.tail() & (CAPACITY - 1)) < DENSE + 256, "written beyond the dense zone at " + r.tail());
        }
        assertTrue(laps >= 15, "early wraps: " + laps);
        assertEquals(r.tail(), r.head());
        long allocated = allocatedBytes(segments.get(0));
        assertTrue(allocated <= DENSE + (64 << 10), "allocated " + allocated);
    }

    @Test
    void aProducerCaughtUpByItsLaggingConsumerJumpsPastTheLapBefore() throws Exception {
        long start = TWO_TO_63 - CAPACITY;
        Ring r = ring(start);
        int seq = 0;
        int taken = 0;
        // 3 MiB waiting: the producer goes beyond the dense zone without a wrap (nothing taken yet)
        while (r.tail() - start < 3 * MIB) {
            put(r, message(seq++, 200));
        }
        // the consumer takes until it is in the fourth unit: now the producer wraps early
        while (r.head() - start < 2 * MIB + MIB / 2) {
            assertArrayEquals(message(taken, 200), take(r), "message " + taken);
            taken++;
        }
        // (a producer whose last look at head did not allow a wrap looks again 64 KiB further)
        boolean wrapped = false;
        for (int i = 0; i < 400 && !wrapped; i++) {
            long before = r.tail();
            put(r, message(seq++, 200));
            wrapped = r.tail() - before > CAPACITY / 2;
        }
        assertTrue(wrapped, "no early wrap");
        // the next lap is free below the consumer's unit (2 MiB), then past the WRAP (from 4 MiB):
        // 3 MiB more go in without waiting, across a JUMP
        long lapStart = (r.tail() - 1) & -CAPACITY;
        for (int i = 0; i < 3 * MIB / 208; i++) {
            assertTrue(put(r, message(seq++, 200), System.nanoTime()), "put waited after " + i + " messages");
        }
        assertTrue(r.tail() - lapStart > 4 * MIB, "no jump: tail at " + (r.tail() - lapStart) + " in the lap");
        assertTrue(r.head() - start < 3 * MIB, "the consumer moved");
        // a scan (Queue's iterator and remove) sees every waiting message across the WRAP and the JUMP
        int[] seen = {0};
        int firstWaiting = taken;
        r.scan((src, at, len, flags) -> {
            byte[] b = src.asSlice(at, len).toArray(JAVA_BYTE);
            assertArrayEquals(message(firstWaiting + seen[0], 200), b, "scanned message " + seen[0]);
            seen[0]++;
            return false;
        }, false);
        assertEquals(seq - taken, seen[0]);
        while (taken < seq) {
            assertArrayEquals(message(taken, 200), take(r), "message " + taken);
            taken++;
        }
        assertSame(Ring.TIMED_OUT, r.take(BYTES, true, System.nanoTime(), false, null));
        assertEquals(r.tail(), r.head());
        // and the memory beyond the dense zone is given back (the unit holding head aside)
        long allocated = allocatedBytes(segments.get(0));
        assertTrue(allocated <= DENSE + MIB, "allocated " + allocated);
    }

    @Test
    void positionsCrossTwoToTheSixtyThird() throws Exception {
        Ring r = ring(TWO_TO_63 - 3 * MIB); // index 61 MiB: the first put wraps early
        byte[] first = message(0, 40);
        put(r, first);
        assertTrue(r.tail() < 0, "positions did not pass 2^63: " + r.tail());
        assertArrayEquals(first, take(r));
        // then both kinds of wrap, and chunked messages, on negative positions
        Ring s = ring(TWO_TO_63 - 8 * MIB);
        byte[] big = message(1, 40 << 20); // 40 MiB: three chunks, the first after a wrap
        put(s, big);
        assertTrue(s.tail() < 0);
        assertArrayEquals(big, take(s));
        for (int i = 0; i < 50_000; i++) {
            byte[] m = message(i, 1 + i % 500);
            put(s, m);
            assertArrayEquals(m, take(s), "message " + i);
        }
        assertEquals(s.tail(), s.head());
        assertTrue(allocatedBytes(segments.get(1)) <= DENSE + MIB, "not given back");
    }

    @Test
    void twoProducersAndTwoConsumersAcrossEarlyWrapsLoseNothing() throws Exception {
        Ring r = ring(TWO_TO_63 - 5 * MIB);
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
            assertTrue(r.tail() - (TWO_TO_63 - 5 * MIB) > 2 * CAPACITY, "no early wraps: " + r.tail());
            assertEquals(r.tail(), r.head());
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
