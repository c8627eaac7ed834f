package org.multiprocessing4j.internal.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The robust mutex's takeover rule, on owners put in the state word by hand: a process that is
 * alive is never robbed of the lock, however long it holds it; one that is gone (exited, or its
 * pid now used by a process with another start time) is replaced within a few wait slices.
 * Killed owners across real processes: {@code SyncContract.lockOfAKilledHolderIsTakenOver}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MutexTest {
    /** Long enough for several takeover checks (one per slice). */
    static final long SLICES = 5 * Waits.SLICE_NANOS;

    private Segment segment;
    private Mutex mutex;
    private java.lang.Process other;

    @BeforeEach
    void setUp() throws Exception {
        segment = Segments.create(1, Mutex.BYTES);
        mutex = new Mutex(segment, 0);
        other = new ProcessBuilder("sleep", "60").start();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        other.destroyForcibly();
        other.waitFor();
        Segments.release(segment);
    }

    private void ownedBy(long state) {
        Mutex.LONG.setVolatile(segment.payload(), Mutex.STATE, state);
    }

    private long state() {
        return (long) Mutex.LONG.getVolatile(segment.payload(), Mutex.STATE);
    }

    @Test
    void theOwnersWholeIdentityIsInTheStateWord() throws InterruptedException {
        assertTrue(mutex.acquire(0, false));
        assertEquals(Mutex.identity(Liveness.PID, Liveness.START), state());
        assertEquals(Liveness.PID, mutex.ownerPid());
        assertTrue(mutex.ownerAlive());
        assertFalse(mutex.tookOver());
        assertTrue(mutex.release());
        assertEquals(0, state());
        assertFalse(mutex.ownerAlive());
    }

    @Test
    void aLivingOwnerIsNeverTakenOver() throws InterruptedException {
        int pid = (int) other.pid();
        long start = Liveness.startOf(pid);
        assertTrue(start > 0, "start time of the other process");
        long owned = Mutex.identity(pid, start);
        ownedBy(owned);
        assertTrue(mutex.ownerAlive());
        assertFalse(mutex.acquire(SLICES, false), "a living owner's lock was taken");
        assertEquals(owned | Mutex.CONTENDED, state(), "the waiter marks the lock contended, nothing else");
    }

    @Test
    void anOwnerWhosePidWasReusedIsTakenOver() throws InterruptedException {
        int pid = (int) other.pid();
        long start = Liveness.startOf(pid);
        ownedBy(Mutex.identity(pid, start + 1)); // the pid now belongs to a later process
        assertFalse(mutex.ownerAlive());
        long t0 = System.nanoTime();
        assertTrue(mutex.acquire(Duration.ofSeconds(10).toNanos(), false), "a dead owner's lock was not taken over");
        assertTrue(mutex.tookOver());
        assertEquals(Mutex.identity(Liveness.PID, Liveness.START), state() & ~(long) Mutex.CONTENDED);
        assertTrue(System.nanoTime() - t0 < SLICES, "took over after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        mutex.release();
        assertFalse(mutex.tookOver(), "release clears the takeover mark");
    }

    @Test
    void anOwnerThatExitedIsTakenOver() throws Exception {
        java.lang.Process gone = new ProcessBuilder("true").start();
        long start = Liveness.startOf((int) gone.pid());
        assertEquals(0, gone.waitFor()); // exited and reaped: the pid names nothing now
        ownedBy(Mutex.identity((int) gone.pid(), Math.max(start, 0)));
        assertTrue(mutex.acquire(Duration.ofSeconds(10).toNanos(), false), "a dead owner's lock was not taken over");
        assertTrue(mutex.tookOver());
        mutex.release();
    }

    @Test
    void startTimesAreComparedOnTheLow32BitsTheWordKeeps() {
        int pid = (int) other.pid();
        long start = Liveness.startOf(pid);
        assertTrue(Liveness.isAlive(pid, start));
        assertTrue(Liveness.isAlive(pid, start & 0xFFFFFFFFL));
        assertFalse(Liveness.isAlive(pid, start + 1));
        assertTrue(Liveness.isAlive(Liveness.PID, Liveness.START & 0xFFFFFFFFL));
    }
}
