package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of the shared-memory primitives across processes, written once and run against
 * every start method (one subclass per backend). Children report through shared values, events
 * and exit codes; every wait has a timeout; no test sleeps to synchronise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
abstract class SyncContract {
    static final Duration WAIT = Duration.ofSeconds(30);

    protected Context ctx;

    abstract StartMethod method();

    /** Whether processes are separate JVMs (fault tests kill them). */
    abstract boolean separateJvm();

    @BeforeAll
    void openContext() {
        ctx = Context.builder(method()).warmReserve(2).build();
    }

    @AfterAll
    void closeContextAndCheckForLeaks() throws InterruptedException {
        ctx.close();
        Leaks.assertNoChildProcessesWithin(Duration.ofSeconds(10));
        Leaks.assertNoSegmentsOfOtherProcessesWithin(Duration.ofSeconds(10));
    }

    private Process started(Process p) {
        p.start();
        return p;
    }

    private static void joinAll(List<Process> ps) throws InterruptedException {
        for (Process p : ps) {
            p.join(WAIT);
            assertEquals(OptionalInt.of(0), p.exitCode(), p + " did not end with 0");
        }
    }

    // ---- targets ----

    static void incrementUnderLock(java.util.concurrent.locks.Lock lock, Value v, Integer times) {
        for (int i = 0; i < times; i++) {
            lock.lock();
            try {
                v.set(v.getLong() + 1); // not atomic by itself: the lock makes it so
            } finally {
                lock.unlock();
            }
        }
    }

    static void incrementAtomically(Value v, Integer times) {
        for (int i = 0; i < times; i++) {
            v.incrementAndGet();
        }
    }

    static void useRoom(Semaphore rooms, Value inside, Value maxInside) throws InterruptedException {
        for (int i = 0; i < 20; i++) {
            rooms.acquire();
            try {
                long now = inside.incrementAndGet();
                long max;
                while (now > (max = maxInside.getLong()) && !maxInside.compareAndSet(max, now)) {
                    Thread.onSpinWait();
                }
                Thread.sleep(1); // stay inside a little so that rooms overlap (not synchronisation)
                inside.decrementAndGet();
            } finally {
                rooms.release();
            }
        }
    }

    static void waitForEventThenMark(Event ready, Event go, Value mark) throws InterruptedException {
        ready.set();
        if (!go.await(WAIT)) {
            System.exit(3);
        }
        mark.set(1);
    }

    static void waitOnCondition(Condition cond, Value v, Event waiting) throws InterruptedException {
        cond.lock().lock();
        try {
            waiting.set();
            if (!cond.waitFor(() -> v.getLong() > 0, WAIT)) {
                System.exit(3);
            }
            v.set(v.getLong() + 10);
        } finally {
            cond.lock().unlock();
        }
    }

    static void awaitBarrier(Barrier b, Array indices, Integer slot) throws Exception {
        indices.setLong(slot, b.await(WAIT));
    }

    static void fill(Array a, Double offset) {
        for (int i = 0; i < a.length(); i++) {
            a.setDouble(i, i + offset);
        }
    }

    static void fillShared(String name, Integer n) {
        try (SharedMemory shm = SharedMemory.attach(name)) {
            for (int i = 0; i < n; i++) {
                shm.segment().setAtIndex(ValueLayout.JAVA_INT, i, i * 3);
            }
        }
    }

    static void tryForeignUnlock(RLock lock, Value result) {
        try {
            lock.unlock();
            result.set(1);
        } catch (IllegalMonitorStateException e) {
            result.set(2);
        }
    }

    static void reenter(RLock lock, Value depth) {
        lock.lock();
        lock.lock();
        depth.set(lock.getHoldCount());
        lock.unlock();
        lock.unlock();
        depth.set(depth.getLong() * 10 + (lock.isLocked() ? 1 : 0));
    }

    // ---- tests ----

    @Test
    void lockMakesReadModifyWriteAtomicAcrossProcesses() throws InterruptedException {
        // typed as the interface: javac's $deserializeLambda$ keeps one case per method reference
        // and ignores the instantiated type, so every use of incrementUnderLock must infer the same one
        java.util.concurrent.locks.Lock lock = ctx.lock();
        Value v = ctx.rawValue('i', 0);
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ps.add(started(ctx.process(SyncContract::incrementUnderLock, lock, v, 20_000)));
        }
        incrementUnderLock(lock, v, 20_000);
        joinAll(ps);
        assertEquals(80_000, v.getLong());
        assertFalse(((Lock) lock).isLocked());
    }

    @Test
    void valueLockAndAtomicsAcrossProcesses() throws InterruptedException {
        Value v = ctx.value('q', 0);
        Value atomic = ctx.rawValue('l', 0);
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ps.add(started(ctx.process(SyncContract::incrementUnderLock, v.getLock(), v, 10_000)));
            ps.add(started(ctx.process(SyncContract::incrementAtomically, atomic, 10_000)));
        }
        joinAll(ps);
        assertEquals(20_000, v.getLong());
        assertEquals(20_000, atomic.getLong());
    }

    @Test
    void rlockIsReentrantAndOwnedByOneThreadOfOneProcess() throws InterruptedException {
        RLock lock = ctx.rlock();
        Value depth = ctx.rawValue('i', 0);
        Process p = started(ctx.process(SyncContract::reenter, lock, depth));
        p.join(WAIT);
        assertEquals(OptionalInt.of(0), p.exitCode());
        assertEquals(20, depth.getLong(), "hold count 2 in the child, then free");

        Value result = ctx.rawValue('i', 0);
        lock.lock();
        try {
            Process q = started(ctx.process(SyncContract::tryForeignUnlock, lock, result));
            q.join(WAIT);
            assertEquals(2, result.getLong(), "unlock by a non-owner must throw IllegalMonitorStateException");
            assertTrue(lock.isHeldByCurrentThread());
        } finally {
            lock.unlock();
        }
        assertThrows(IllegalMonitorStateException.class, lock::unlock);
    }

    @Test
    void semaphoreAdmitsAtMostItsValue() throws InterruptedException {
        Semaphore rooms = ctx.semaphore(2);
        Value inside = ctx.rawValue('i', 0);
        Value max = ctx.rawValue('i', 0);
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ps.add(started(ctx.process(SyncContract::useRoom, rooms, inside, max)));
        }
        joinAll(ps);
        assertTrue(max.getLong() >= 1 && max.getLong() <= 2, "at most 2 inside, saw " + max.getLong());
        assertEquals(2, rooms.availablePermits());
    }

    @Test
    void eventWakesAWaitingProcess() throws InterruptedException {
        Event ready = ctx.event();
        Event go = ctx.event();
        Value mark = ctx.rawValue('i', 0);
        Process p = started(ctx.process(SyncContract::waitForEventThenMark, ready, go, mark));
        assertTrue(ready.await(WAIT), "child never got ready");
        assertEquals(0, mark.getLong());
        go.set();
        p.join(WAIT);
        assertEquals(OptionalInt.of(0), p.exitCode());
        assertEquals(1, mark.getLong());
    }

    @Test
    void conditionSignalReachesAnotherProcess() throws InterruptedException {
        Condition cond = ctx.condition();
        Value v = ctx.rawValue('i', 0);
        Event waiting = ctx.event();
        Process p = started(ctx.process(SyncContract::waitOnCondition, cond, v, waiting));
        assertTrue(waiting.await(WAIT));
        cond.lock().lock(); // the child holds it until it waits
        try {
            v.set(1);
            cond.signalAll();
        } finally {
            cond.lock().unlock();
        }
        p.join(WAIT);
        assertEquals(OptionalInt.of(0), p.exitCode());
        assertEquals(11, v.getLong());
    }

    @Test
    void barrierReleasesAllPartiesWithDistinctIndices() throws Exception {
        Barrier b = ctx.barrier(3);
        Array indices = ctx.rawArray('i', 3);
        List<Process> ps = List.of(started(ctx.process(SyncContract::awaitBarrier, b, indices, 0)),
                started(ctx.process(SyncContract::awaitBarrier, b, indices, 1)));
        indices.setLong(2, b.await(WAIT));
        joinAll(ps);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            seen.add(indices.getLong(i));
        }
        assertEquals(Set.of(0L, 1L, 2L), seen);
        assertFalse(b.isBroken());
    }

    @Test
    void arrayAndSharedMemoryWrittenByAChildAreReadHere() throws InterruptedException {
        Array a = ctx.rawArray('d', 10_000);
        Process p = started(ctx.process(SyncContract::fill, a, 0.5));
        try (SharedMemory shm = SharedMemory.create(4 * 1000)) {
            Process q = started(ctx.process(SyncContract::fillShared, shm.name(), 1000));
            joinAll(List.of(p, q));
            for (int i = 0; i < 1000; i++) {
                assertEquals(i * 3, shm.segment().getAtIndex(ValueLayout.JAVA_INT, i));
            }
        }
        double[] expected = new double[10_000];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = i + 0.5;
        }
        assertArrayEquals(expected, (double[]) a.toArray());
    }

    static void typedWork(SharedInt counter, SharedDoubleArray halves, SharedLong big) {
        for (int i = 0; i < halves.length(); i++) {
            halves.set(i, i / 2.0);
            counter.incrementAndGet();
        }
        big.addAndGet(1L << 40);
    }

    @Test
    void typedVariantsCrossProcesses() throws InterruptedException {
        SharedInt counter = ctx.sharedInt(5);
        SharedDoubleArray halves = ctx.rawSharedDoubleArray(100);
        SharedLong big = ctx.rawSharedLong(1);
        Process p = started(ctx.process(SyncContract::typedWork, counter, halves, big));
        p.join(WAIT);
        assertEquals(OptionalInt.of(0), p.exitCode());
        assertEquals(105, counter.get());
        assertEquals(49.5, halves.get(99));
        assertEquals(1 + (1L << 40), big.get());
        assertEquals(100, halves.toArray().length);
        counter.getLock().lock();
        counter.getLock().unlock();
    }

    // ---- faults: real processes killed with SIGKILL ----

    static void holdForever(java.util.concurrent.locks.Lock lock, Event held) throws InterruptedException {
        lock.lock();
        held.set();
        Thread.sleep(600_000);
    }

    static void attachAndSleep(Barrier b, Event attached) throws InterruptedException {
        attached.set();
        Thread.sleep(600_000);
    }

    private void killedHolderIsDetected(java.util.concurrent.locks.Lock lock) throws InterruptedException {
        assumeTrue(separateJvm(), "threads cannot be killed");
        Event held = ctx.event();
        Process p = started(ctx.process(SyncContract::holdForever, lock, held));
        assertTrue(held.await(WAIT));
        assertFalse(lock.tryLock());
        p.kill();
        long t0 = System.nanoTime();
        assertTrue(lock.tryLock(10, TimeUnit.SECONDS), "the lock of a killed holder was not taken over");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("[fault] " + lock.getClass().getSimpleName() + " taken over " + ms + " ms after SIGKILL of its holder");
        try {
            assertTrue(lock instanceof Lock l ? l.previousOwnerDied() : ((RLock) lock).previousOwnerDied());
        } finally {
            lock.unlock();
        }
        assertTrue(lock.tryLock(), "free again after unlock");
        assertFalse(lock instanceof Lock l ? l.previousOwnerDied() : ((RLock) lock).previousOwnerDied(),
                "a normal acquisition does not report a dead owner");
        lock.unlock();
        p.join(WAIT);
        assertEquals(OptionalInt.of(-9), p.exitCode());
    }

    @Test
    void lockOfAKilledHolderIsTakenOver() throws InterruptedException {
        killedHolderIsDetected(ctx.lock());
    }

    @Test
    void rlockOfAKilledHolderIsTakenOver() throws InterruptedException {
        killedHolderIsDetected(ctx.rlock());
    }

    static void createAndHold(String name, Event created) throws InterruptedException {
        SharedMemory.create(name, 4096); // this process is its only user
        created.set();
        Thread.sleep(600_000);
    }

    @Test
    void segmentsOfKilledProcessesAreSweptAndLiveOnesKept() throws InterruptedException {
        assumeTrue(separateJvm(), "threads cannot be killed");
        String name = "sweep-" + method().methodName() + "-" + ProcessHandle.current().pid();
        Event created = ctx.event();
        Process p = started(ctx.process(SyncContract::createAndHold, name, created));
        assertTrue(created.await(WAIT));
        org.multiprocessing4j.internal.shm.Segments.sweep();
        assertTrue(org.multiprocessing4j.internal.shm.Segments.exists(name), "a living process's segment is kept");
        p.kill(); // its only user, which cannot let go of it
        assertTrue(p.join(WAIT));
        // the parent sweeps when a child JVM is killed by a signal before its exit report
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (org.multiprocessing4j.internal.shm.Segments.exists(name) && System.nanoTime() < deadline) {
            Thread.sleep(10); // polling the file system, bounded by the deadline
        }
        assertFalse(org.multiprocessing4j.internal.shm.Segments.exists(name), "removed once every user was dead");
    }

    @Test
    void barrierBreaksWhenAPartyIsKilled() throws Exception {
        assumeTrue(separateJvm(), "threads cannot be killed");
        Barrier b = ctx.barrier(2);
        Event attached = ctx.event();
        Process p = started(ctx.process(SyncContract::attachAndSleep, b, attached));
        assertTrue(attached.await(WAIT));
        p.kill(); // a party that will never arrive
        p.join(WAIT);
        long t0 = System.nanoTime();
        assertThrows(BrokenBarrierException.class, () -> b.await(Duration.ofSeconds(20)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 15_000, "broke by the death of the party, not by the timeout: " + ms + " ms");
        assertTrue(b.isBroken());
        b.reset();
        assertFalse(b.isBroken());
        p.join(WAIT);
    }
}
