package org.multiprocessing4j;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeoutException;
import org.multiprocessing4j.internal.shm.Futex;
import org.multiprocessing4j.internal.shm.Liveness;
import org.multiprocessing4j.internal.shm.Mutex;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;
import org.multiprocessing4j.internal.shm.Waits;

/**
 * A barrier for a fixed number of parties in any processes: CPython's
 * {@code multiprocessing.Barrier(parties, action, timeout)}, with the exceptions of
 * {@link java.util.concurrent.CyclicBarrier}.
 *
 * <ul>
 *   <li>{@link #await()} blocks until {@code parties} threads have called it, then all return
 *       and the barrier is ready for the next round. It returns the arrival index, 0 for the
 *       first to arrive up to {@code parties - 1} (CPython's return value).
 *   <li>The action, when given, runs once per round in the process of the last party to arrive,
 *       before anyone is released. If it throws, the barrier breaks.
 *   <li>Broken state: a timeout, an interrupt, a failing action, {@link #abort()}, or the death of
 *       a party breaks the barrier. Waiting parties and later callers get
 *       {@link BrokenBarrierException} (CPython's {@code BrokenBarrierError}) until
 *       {@link #reset()}; the party whose wait timed out gets {@link TimeoutException}.
 *   <li>Stronger than CPython: every process that has the barrier (made it, or received it as an
 *       argument) is on its list of parties; when one of them dies (crash, {@code kill -9}) the
 *       waiting parties see the barrier break within about 20 ms instead of hanging. A process
 *       that ends normally, or drops its handle, leaves the list first. The list has room for
 *       {@code max(64, 2 * parties)} processes; beyond that, deaths of the extra processes are not
 *       noticed.
 * </ul>
 * Actions of every party before {@code await} happen-before the return of {@code await} in every
 * party of the same round, across processes.
 *
 * <h2>Layout (payload of its segment)</h2>
 * <pre>
 *  0  mutex       Mutex record (32 bytes): guards every field below except as noted
 * 32  parties int           written at creation
 * 36  count int             arrivals in this round
 * 40  generation int        round number; the futex word (volatile store, read without the mutex)
 * 44  sleepers int          getAndAdd, without the mutex
 * 48  broken int            1 from a break until reset
 * 52  brokenGen int         the last round that broke (-1: none); written before generation moves on
 * 56  timeoutNanos long     default timeout of await(), -1 none; written at creation
 * 64  slots int             capacity of the party table; written at creation
 * 72  table                 slots x 16 bytes: pid int, unused int, start time long (pid 0: free)
 * </pre>
 * A round ends (trip or break) by writing {@code brokenGen} when it broke, then
 * {@code generation + 1}, then waking all sleepers. A waiter of round {@code g} sleeps expecting
 * {@code generation == g}, and after it moves on reads {@code brokenGen} to learn how round
 * {@code g} ended.
 */
public final class Barrier implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final long PARTIES = 32;
    private static final long COUNT = 36;
    private static final long GENERATION = 40;
    private static final long SLEEPERS = 44;
    private static final long BROKEN = 48;
    private static final long BROKEN_GEN = 52;
    private static final long TIMEOUT = 56;
    private static final long SLOTS = 64;
    private static final long TABLE = 72;
    private static final int SLOT_BYTES = 16;
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final transient SharedRef ref;
    private final transient MemorySegment mem;
    private final transient Mutex mutex;
    private final transient long generationAddress;
    private final transient Target action;

    Barrier(int parties, Target action, Duration timeout) {
        if (parties < 1) {
            throw new IllegalArgumentException("barrier parties must be >= 1, got " + parties);
        }
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("barrier timeout must not be negative, got " + timeout);
        }
        int slots = Math.max(64, 2 * parties);
        Segment s = Segments.create(SharedRef.BARRIER, TABLE + (long) slots * SLOT_BYTES);
        this.ref = new SharedRef(SharedRef.BARRIER, s.name(), null, action);
        this.mem = s.payload();
        this.mutex = new Mutex(s, 0);
        this.generationAddress = s.address(GENERATION);
        this.action = action;
        mem.set(JAVA_INT, PARTIES, parties);
        mem.set(JAVA_INT, BROKEN_GEN, -1);
        mem.set(JAVA_LONG, TIMEOUT, timeout == null ? -1 : timeout.toNanos());
        mem.set(JAVA_INT, SLOTS, slots);
        track(s);
    }

    Barrier(SharedRef ref) {
        Segment s = ref.attach();
        this.ref = ref;
        this.mem = s.payload();
        this.mutex = new Mutex(s, 0);
        this.generationAddress = s.address(GENERATION);
        this.action = (Target) ref.extra();
        track(s);
    }

    private void track(Segment s) {
        lock();
        try {
            register();
        } finally {
            mutex.release();
        }
        MemorySegment m = mem;
        Mutex mx = mutex;
        Runnable leave = () -> leave(m, mx);
        Segments.onExit(leave);
        SharedRef.track(this, s, leave);
    }

    /** The number of threads needed to trip the barrier (CPython: {@code parties}). */
    public int parties() {
        return mem.get(JAVA_INT, PARTIES);
    }

    /** The number of threads waiting now (CPython: {@code n_waiting}). */
    public int numberWaiting() {
        lock();
        try {
            return mem.get(JAVA_INT, BROKEN) != 0 ? 0 : mem.get(JAVA_INT, COUNT);
        } finally {
            mutex.release();
        }
    }

    /** True when the barrier is broken (CPython: {@code broken}). */
    public boolean isBroken() {
        return (int) INT.getVolatile(mem, BROKEN) != 0;
    }

    /**
     * Waits for the other parties, at most the barrier's default timeout (CPython: {@code wait()}).
     *
     * @return the arrival index, 0 to {@code parties - 1}
     */
    public int await() throws InterruptedException, BrokenBarrierException, TimeoutException {
        long t = mem.get(JAVA_LONG, TIMEOUT);
        return await(t < 0 ? Long.MAX_VALUE : Waits.deadline(t));
    }

    /** Waits for the other parties, at most {@code timeout} (CPython: {@code wait(timeout)}). */
    public int await(Duration timeout) throws InterruptedException, BrokenBarrierException, TimeoutException {
        return await(Waits.deadline(Math.max(0, timeout.toNanos())));
    }

    private int await(long deadline) throws InterruptedException, BrokenBarrierException, TimeoutException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        int g;
        int index;
        lock();
        try {
            if (mem.get(JAVA_INT, BROKEN) != 0) {
                throw new BrokenBarrierException();
            }
            g = (int) INT.getVolatile(mem, GENERATION);
            index = mem.get(JAVA_INT, COUNT);
            mem.set(JAVA_INT, COUNT, index + 1);
            if (index + 1 == parties()) {
                if (action != null) {
                    try {
                        action.run();
                    } catch (Throwable t) {
                        endRound(g, true);
                        BrokenBarrierException e = new BrokenBarrierException("barrier action failed: " + t);
                        e.initCause(t);
                        throw e;
                    }
                }
                endRound(g, false);
                return index;
            }
        } finally {
            mutex.release();
        }
        for (;;) {
            if ((int) INT.getVolatile(mem, GENERATION) != g) {
                if ((int) INT.getVolatile(mem, BROKEN_GEN) == g) {
                    throw new BrokenBarrierException();
                }
                return index;
            }
            if (Thread.interrupted()) {
                breakRound(g);
                throw new InterruptedException();
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                if (breakRound(g)) {
                    throw new TimeoutException("barrier timed out after waiting for "
                            + (parties() - index - 1) + " more part" + (parties() - index - 1 == 1 ? "y" : "ies"));
                }
                continue; // the round ended meanwhile: report how
            }
            INT.getAndAdd(mem, SLEEPERS, 1);
            Futex.Outcome o = Futex.await(generationAddress, g, Math.min(Waits.SLICE_NANOS, remaining));
            INT.getAndAdd(mem, SLEEPERS, -1);
            if (o == Futex.Outcome.TIMED_OUT) {
                breakIfPartyDied(g);
            }
        }
    }

    /** Breaks round {@code g} if it is still running; true when this call broke it. */
    private boolean breakRound(int g) {
        lock();
        try {
            if ((int) INT.getVolatile(mem, GENERATION) != g) {
                return false;
            }
            endRound(g, true);
            return true;
        } finally {
            mutex.release();
        }
    }

    private void breakIfPartyDied(int g) {
        lock();
        try {
            if ((int) INT.getVolatile(mem, GENERATION) != g) {
                return;
            }
            boolean died = false;
            int slots = mem.get(JAVA_INT, SLOTS);
            for (int i = 0; i < slots; i++) {
                long at = TABLE + (long) i * SLOT_BYTES;
                int pid = mem.get(JAVA_INT, at);
                if (pid != 0 && pid != Liveness.PID && !Liveness.isAlive(pid, mem.get(JAVA_LONG, at + 8))) {
                    mem.set(JAVA_INT, at, 0);
                    died = true;
                }
            }
            if (died) {
                endRound(g, true);
            }
        } finally {
            mutex.release();
        }
    }

    /** Under the mutex: ends round {@code g}, tripped or broken, and wakes its waiters. */
    private void endRound(int g, boolean broken) {
        if (broken) {
            mem.set(JAVA_INT, BROKEN, 1);
            INT.setVolatile(mem, BROKEN_GEN, g);
        }
        mem.set(JAVA_INT, COUNT, 0);
        INT.setVolatile(mem, GENERATION, g + 1);
        if ((int) INT.getVolatile(mem, SLEEPERS) > 0) {
            Futex.wake(generationAddress, Integer.MAX_VALUE);
        }
    }

    /**
     * Puts the barrier back to its initial state (CPython: {@code reset()}): threads waiting now
     * get {@link BrokenBarrierException}; later calls wait for a fresh round.
     */
    public void reset() {
        lock();
        try {
            if (mem.get(JAVA_INT, COUNT) > 0) {
                endRound((int) INT.getVolatile(mem, GENERATION), true);
            }
            INT.setVolatile(mem, BROKEN, 0);
        } finally {
            mutex.release();
        }
    }

    /** Breaks the barrier (CPython: {@code abort()}): waiting and later calls get {@link BrokenBarrierException} until {@link #reset()}. */
    public void abort() {
        lock();
        try {
            endRound((int) INT.getVolatile(mem, GENERATION), true);
        } finally {
            mutex.release();
        }
    }

    private void lock() {
        try {
            mutex.acquire(-1, false);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Under the mutex: this process on the party table (once). */
    private void register() {
        int slots = mem.get(JAVA_INT, SLOTS);
        int free = -1;
        for (int i = 0; i < slots; i++) {
            long at = TABLE + (long) i * SLOT_BYTES;
            int pid = mem.get(JAVA_INT, at);
            if (pid == Liveness.PID) {
                return;
            }
            if (pid == 0 && free < 0) {
                free = i;
            }
        }
        if (free >= 0) {
            long at = TABLE + (long) free * SLOT_BYTES;
            mem.set(JAVA_LONG, at + 8, Liveness.START);
            mem.set(JAVA_INT, at, Liveness.PID);
        }
    }

    /** Takes this process off the party table (at its exit, or when its handle is collected). */
    private static void leave(MemorySegment mem, Mutex mutex) {
        try {
            mutex.acquire(-1, false);
        } catch (InterruptedException e) {
            return;
        }
        try {
            int slots = mem.get(JAVA_INT, SLOTS);
            for (int i = 0; i < slots; i++) {
                long at = TABLE + (long) i * SLOT_BYTES;
                if (mem.get(JAVA_INT, at) == Liveness.PID) {
                    mem.set(JAVA_INT, at, 0);
                }
            }
        } finally {
            mutex.release();
        }
    }

    @Override
    public String toString() {
        return "<Barrier(" + ref.segment() + ", parties=" + parties() + (isBroken() ? ", broken" : "") + ")>";
    }

    /** The serial form (package-private: {@link HandleForm} writes it for process payloads). */
    @Serial
    Object writeReplace() {
        return ref;
    }

    /** Serialisation proxy: a handle is only ever deserialised through its {@link SharedRef}. */
    @Serial
    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("a " + getClass().getSimpleName() + " is deserialised through its SharedRef only");
    }
}
