package org.multiprocessing4j.internal.shm;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A robust mutex record in shared memory: the one kernel-backed lock that {@code Lock},
 * {@code RLock}, the locks of {@code Value}/{@code Array} and {@code Barrier} are made of
 * (CPython's {@code SemLock}, plus what CPython lacks: owner identity and recovery from an owner
 * that died).
 *
 * <h2>Layout (32 bytes at an 8-aligned offset of a segment's payload)</h2>
 * <pre>
 *  offset  field            written by                          access
 *   0      state long       acquirer (CAS), releaser (getAndSet)  volatile. Low half: the owner's
 *                                                                 pid, plus CONTENDED; the futex
 *                                                                 word. High half: the owner's
 *                                                                 start-time tag (see below).
 *   8      sleepers int     +1 by a thread about to sleep; -n by  getAndAdd (volatile)
 *                           the releaser that woke n of them, or -1
 *                           by a sleeper that returned unwoken
 *  12      tookOver int     owner: 1 when it took the lock from a dead owner   plain, owner only
 *  16      ownerThread long owner (RLock only)                    plain (read by the owner's process)
 *  24      count int        owner (RLock only): recursion depth   plain, owner only
 * </pre>
 * {@code state} is 0 when free. Else its low 32 bits are the owner's pid, plus {@link #CONTENDED}
 * when a thread may sleep on it (pid_max on Linux is at most 2^22), and its high 32 bits the low
 * 32 bits of the owner's start time ({@link Liveness#START}, clock ticks since boot). The futex
 * works on the low half, which is the word at offset 0 on the little-endian machines it runs on.
 *
 * <p>The owner's whole identity is written by the one CAS that takes the lock. It was not, once:
 * the start time was a separate field stored just after the CAS, and a waiter that checked the
 * owner while the owner was descheduled between the two stores read the previous owner's start
 * time, took the living owner for dead and took the lock over. Measured before the fix (2026-11-24,
 * 12 producer and 12 consumer processes on a queue, 2 cores, two CPU hogs): 4 takeovers of
 * living owners in 8 runs, thousands of messages lost or delivered twice; CI failed on it.
 *
 * <h2>Protocol (Drepper's "futexes are tricky" mutex 3, with a sleeper count)</h2>
 * <ul>
 *   <li>acquire: CAS {@code 0 -> identity}; failing that, spin briefly, then set
 *       {@code CONTENDED} with a CAS and sleep on the futex expecting exactly
 *       {@code owner|CONTENDED}. A thread that wakes retries with {@code CONTENDED} set when
 *       other sleepers remain.
 *   <li>release: {@code getAndSet(state, 0)}; a futex wake only when the old value had
 *       {@code CONTENDED} and a thread still sleeps. The releaser takes the threads it woke off
 *       {@code sleepers}: until a woken thread runs, the lock does not look contended, so the
 *       releaser can take it again and give it back without a system call each time (measured:
 *       counting woken threads until they ran made every release of a busy lock a futex call,
 *       1.7M ops/s for two processes). An acquirer that clears the bit changes the word, so a thread about to
 *       sleep on the old value fails its futex check and sets the bit again: no lost wake-up.
 *   <li>dead owner: a sleeper wakes at least every {@link Waits#SLICE_NANOS} (also to notice
 *       interrupts); when the state it read names a process that is gone (no such pid, a zombie,
 *       or a pid now used by a process with another start time, {@link Liveness}), it takes the
 *       lock over with a CAS from exactly that state and sets {@code tookOver}. A state names
 *       one process for as long as it is in the word, so the CAS cannot take the lock from a
 *       later owner, nor from a living one.
 * </ul>
 * Happens-before: a release ({@code getAndSet}, volatile) happens-before the acquire (CAS) that
 * reads 0 or the taken-over value, in whichever process; the plain owner fields ride on these
 * edges. Memory of the mapping is ordered by the same VarHandle accesses in every process.
 */
public final class Mutex {
    /** Bytes of a mutex record. */
    public static final int BYTES = 32;
    static final long STATE = 0;
    static final long SLEEPERS = 8;
    static final long TOOK_OVER = 12;
    static final long OWNER_THREAD = 16;
    static final long COUNT = 24;
    /** Bit of {@code state}: a thread may be sleeping on the word. */
    static final int CONTENDED = 1 << 30;
    static final int PID_MASK = CONTENDED - 1;
    /** This process's {@code state} when it owns the lock (without {@link #CONTENDED}). */
    static final long ME = identity(Liveness.PID, Liveness.START);

    static final VarHandle INT = JAVA_INT.varHandle();
    static final VarHandle LONG = JAVA_LONG.varHandle();

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("Mutex: the futex word is the low half of the state; big-endian is not supported");
        }
    }

    private final MemorySegment mem;
    private final long at;
    private final long stateAddress;

    /** The record at {@code offset} of {@code segment}'s payload. */
    public Mutex(Segment segment, long offset) {
        this.mem = segment.payload();
        this.at = offset;
        this.stateAddress = segment.address(offset + STATE);
    }

    /** The state of a lock owned by process {@code pid} started at {@code start} (uncontended). */
    static long identity(int pid, long start) {
        return start << 32 | pid;
    }

    private static int pidOf(long state) {
        return (int) state & PID_MASK;
    }

    private static long startTag(long state) {
        return state >>> 32;
    }

    /** True when the owner named by {@code state} is alive ({@link Liveness#isAlive} knows this process too). */
    private static boolean alive(long state) {
        return Liveness.isAlive(pidOf(state), startTag(state));
    }

    /** One attempt, no waiting; true when this process now holds the lock. */
    public boolean tryAcquire() {
        return LONG.compareAndSet(mem, at + STATE, 0L, ME);
    }

    /**
     * Acquires, waiting at most {@code timeoutNanos} (for ever when negative).
     *
     * @return true when acquired
     * @throws InterruptedException when interruptible and the thread is interrupted while waiting
     */
    public boolean acquire(long timeoutNanos, boolean interruptible) throws InterruptedException {
        if (tryAcquire()) {
            return true;
        }
        if (timeoutNanos == 0) {
            return false;
        }
        return acquireSlow(timeoutNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos, interruptible);
    }

    private boolean acquireSlow(long deadline, boolean interruptible) throws InterruptedException {
        int attempt = 0;
        long spinStart = System.nanoTime();
        boolean interrupted = false;
        try {
            for (;;) {
                long s = (long) LONG.getVolatile(mem, at + STATE);
                if (s == 0) {
                    if (LONG.compareAndSet(mem, at + STATE, 0L, mine())) {
                        return true;
                    }
                    continue;
                }
                if (spinStart != 0 && Waits.spin(++attempt, spinStart)) {
                    continue;
                }
                spinStart = 0; // spent
                if (Thread.interrupted()) {
                    if (interruptible) {
                        throw new InterruptedException();
                    }
                    interrupted = true;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                if ((s & CONTENDED) == 0 && !LONG.compareAndSet(mem, at + STATE, s, s | CONTENDED)) {
                    continue;
                }
                s |= CONTENDED;
                INT.getAndAdd(mem, at + SLEEPERS, 1);
                Futex.Outcome o = Futex.await(stateAddress, (int) s, Math.min(Waits.SLICE_NANOS, remaining));
                if (o != Futex.Outcome.WOKEN) {
                    INT.getAndAdd(mem, at + SLEEPERS, -1); // a waker counts the threads it wakes
                }
                attempt = 0; // just woken: the lock is likely free or about to be; spin again
                spinStart = System.nanoTime();
                if (o == Futex.Outcome.TIMED_OUT && (long) LONG.getVolatile(mem, at + STATE) == s && !alive(s)) {
                    // held for a whole slice by a process that is gone: take it over from exactly that state
                    if (LONG.compareAndSet(mem, at + STATE, s, mine())) {
                        mem.set(JAVA_INT, at + TOOK_OVER, 1);
                        return true;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** This process's state for a CAS that takes the lock: contended when threads sleep on it. */
    private long mine() {
        return (int) INT.getVolatile(mem, at + SLEEPERS) > 0 ? ME | CONTENDED : ME;
    }

    /**
     * Releases. The caller has checked that releasing is allowed.
     *
     * @return false when the lock was not held at all (nothing changed)
     */
    public boolean release() {
        if (mem.get(JAVA_INT, at + TOOK_OVER) != 0) {
            mem.set(JAVA_INT, at + TOOK_OVER, 0);
        }
        long old = (long) LONG.getAndSet(mem, at + STATE, 0L);
        if ((old & CONTENDED) != 0 && (int) INT.getVolatile(mem, at + SLEEPERS) > 0) {
            int woken = Futex.wake(stateAddress, 1);
            if (woken > 0) {
                INT.getAndAdd(mem, at + SLEEPERS, -woken); // so the next acquirer sets CONTENDED only for real sleepers
            }
        }
        return old != 0;
    }

    /** True when some process holds the lock. */
    public boolean isLocked() {
        return (long) LONG.getVolatile(mem, at + STATE) != 0;
    }

    /** The pid of the holder, or 0. */
    public int ownerPid() {
        return pidOf((long) LONG.getVolatile(mem, at + STATE));
    }

    /** True when the lock is held by a process that is alive (one read of the owner's identity). */
    public boolean ownerAlive() {
        long s = (long) LONG.getVolatile(mem, at + STATE);
        return s != 0 && alive(s);
    }

    /** True when this process holds the lock. */
    public boolean heldByThisProcess() {
        return ownerPid() == Liveness.PID;
    }

    /** While held by this process: whether it was taken over from an owner that died. */
    public boolean tookOver() {
        return mem.get(JAVA_INT, at + TOOK_OVER) != 0;
    }

    /** RLock: the owning thread's id (meaningful while held by this process). */
    public long ownerThread() {
        return mem.get(JAVA_LONG, at + OWNER_THREAD);
    }

    /** RLock: records the owning thread (owner only). */
    public void ownerThread(long threadId) {
        mem.set(JAVA_LONG, at + OWNER_THREAD, threadId);
    }

    /** RLock: recursion depth (owner only). */
    public int count() {
        return mem.get(JAVA_INT, at + COUNT);
    }

    /** RLock: sets the recursion depth (owner only). */
    public void count(int n) {
        mem.set(JAVA_INT, at + COUNT, n);
    }
}
