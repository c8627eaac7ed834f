package org.multiprocessing4j.internal.ipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiprocessing4j.internal.shm.Pages;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * The ring's sleeper counts: a thread that wakes sleepers takes the ones it woke off the count,
 * so that the puts (or takes) that follow, until the woken thread has run, make no futex call.
 * Measured before (2026-11-24, one producer and one consumer process, 200,000 messages): a
 * producer made 600-3,600 futex wake calls in five windows of eight, for a consumer that slept
 * at most a few times, because the count stayed up until the woken consumer ran.
 *
 * <p>Each round waits until the other thread sleeps in the kernel on the ring's futex word
 * ({@code /proc/thread-self/syscall}: {@code futex} on that address), so the put or take that
 * follows wakes it for certain. Cross-process queues and pipes, whose sleeps go through the same
 * code, are in {@code IpcContract}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RingWakeTest {
    private static final int ROUNDS = 50;
    private static final long SYS_FUTEX = 202; // x86_64
    private static final Ring.Source EIGHT_BYTES = (dst, at, from, length) -> dst.asSlice(at, length).fill((byte) 7);

    private Segment segment;

    @AfterEach
    void release() {
        if (segment != null) {
            Segments.release(segment);
        }
    }

    private Ring ring(long capacity) {
        long data = Pages.SIZE - Segment.HEADER_BYTES;
        segment = Segments.create(1, data + capacity);
        return Ring.create(segment, 0, data, capacity, 0, 0);
    }

    @Test
    void aPutTakesTheConsumerItWokeOffTheCount() throws Exception {
        Ring ring = ring(64 * 1024);
        AtomicLong tid = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Late late = new Late();
        Thread consumer = startRounds("ring-consumer", tid, failure,
                () -> assertEquals(8L, ring.take(Ring.LENGTH, true, Long.MAX_VALUE, true, null)));
        for (int i = 0; i < ROUNDS; i++) {
            awaitFutexSleep(tid, segment.address(Ring.TAIL), ring::consumerSleepers, failure);
            assertTrue(ring.put(EIGHT_BYTES, 8, 0, Long.MAX_VALUE, false, null));
            late.record(i, ring.consumerSleepers());
        }
        late.check("consumer");
        joinCleanly(consumer, failure, "the consumer did not take every message");
        assertEquals(0, ring.consumerSleepers());
    }

    @Test
    void aTakeTakesTheProducerItWokeOffTheCount() throws Exception {
        Ring ring = ring(4096);
        int full = 0;
        while (ring.put(EIGHT_BYTES, 8, 0, System.nanoTime(), false, null)) {
            full++;
        }
        assertEquals(4096 / 16, full, "records of 16 bytes fill the ring");
        AtomicLong tid = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Late late = new Late();
        Thread producer = startRounds("ring-producer", tid, failure,
                () -> assertTrue(ring.put(EIGHT_BYTES, 8, 0, Long.MAX_VALUE, true, null)));
        for (int i = 0; i < ROUNDS; i++) {
            awaitFutexSleep(tid, segment.address(Ring.HEAD), ring::producerSleepers, failure);
            assertEquals(8L, ring.take(Ring.LENGTH, true, Long.MAX_VALUE, false, null));
            late.record(i, ring.producerSleepers());
        }
        late.check("producer");
        joinCleanly(producer, failure, "the producer did not put every message");
        assertEquals(0, ring.producerSleepers());
        assertEquals(full, ring.size());
    }

    /**
     * Rounds after which the woken thread was still counted. A few of the fifty are allowed: the
     * sleeper's wait slice (20 ms) may end between the check that it sleeps and the wake, and it
     * then re-registers itself, so that the wake finds nobody in the kernel yet and takes nobody
     * off (one such round seen in the first round, whose put runs cold; one test run of twenty
     * failed with at most one allowed, its rounds not recorded). With the count left to the woken
     * thread, nearly all fifty fail (checked by putting the old protocol back).
     */
    private static final class Late {
        private static final int MAX_LATE = 3;

        private final StringBuilder rounds = new StringBuilder();
        private int count;

        void record(int round, int sleepers) {
            if (sleepers != 0) {
                count++;
                rounds.append(' ').append(round).append(':').append(sleepers);
            }
        }

        void check(String who) {
            assertTrue(count <= MAX_LATE, "the woken " + who + " was still counted as asleep after rounds (round:count)" + rounds);
        }
    }

    /** One round of the other thread: a blocking take or put. */
    private interface Round {
        void run() throws Exception;
    }

    /** Starts a thread that records its native id in {@code tid}, then runs {@link #ROUNDS} rounds. */
    private static Thread startRounds(String name, AtomicLong tid, AtomicReference<Throwable> failure, Round round) {
        Thread t = new Thread(() -> {
            try {
                tid.set(ownTid());
                for (int i = 0; i < ROUNDS; i++) {
                    round.run();
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }, name);
        t.start();
        return t;
    }

    private static void joinCleanly(Thread t, AtomicReference<Throwable> failure, String unfinished)
            throws InterruptedException {
        t.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(t.isAlive(), unfinished);
        if (failure.get() != null) {
            fail(failure.get());
        }
    }

    /** Waits until the thread {@code tid} sleeps in futex(2) on {@code word}, counted in {@code sleepers}. */
    private static void awaitFutexSleep(AtomicLong tid, long word, IntSupplier sleepers, AtomicReference<Throwable> failure)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (failure.get() != null) {
                fail(failure.get());
            }
            if (tid.get() != 0 && sleepers.getAsInt() == 1 && sleepsOn(tid.get(), word)) {
                return;
            }
            Thread.sleep(0, 200_000);
        }
        fail("the other thread never slept on the futex word (sleepers " + sleepers.getAsInt() + ")");
    }

    /** True when the thread is blocked in futex(2) on {@code word} ({@code /proc/.../syscall}: number, then arguments). */
    private static boolean sleepsOn(long tid, long word) throws IOException {
        String[] f;
        try {
            f = Files.readString(Path.of("/proc/self/task/" + tid + "/syscall")).trim().split(" ");
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
        return f.length > 1 && !f[0].equals("running") && Long.parseLong(f[0]) == SYS_FUTEX
                && Long.parseUnsignedLong(f[1].substring(2), 16) == word;
    }

    private static long ownTid() throws IOException {
        String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString(); // "PID/task/TID"
        return Long.parseLong(link.substring(link.lastIndexOf('/') + 1));
    }
}
