package org.multiprocessing4j.internal.shm;

/**
 * The waiting policy of every blocking primitive: spin a little, then sleep on a futex in
 * slices.
 *
 * <ul>
 *   <li>Up to {@link #SPIN_NANOS} (20 us) of checks with exponential back-off first: a futex
 *       sleep and wake cost 10-50 us on these machines, a cross-process hand-over through shared
 *       memory about 0.1 us, so a spin about as long as a sleep catches the releases that come
 *       within microseconds. Measured (semaphore ping-pong between two JVMs, 20,000 round
 *       trips): a spin of 200 single checks (a few microseconds) gave a median round trip of
 *       15-18 us, because the partner had gone to sleep; spinning longer gave 0.2 us.
 *   <li>After {@link #YIELD_AFTER_NANOS} (5 us) of that, each check is preceded by
 *       {@link Thread#yield()} instead of spin-wait hints. A waiter whose partner is runnable on
 *       the same CPU (more runnable threads than cores: a JIT compiler thread on the other core,
 *       more processes than cores) then lets it run at once, instead of holding the CPU for its
 *       whole spin while the partner waits behind it. Measured (2026-11-24, pipe round trips
 *       between two JVMs pinned to one CPU with taskset): 330 us per round trip without the
 *       yield (each side spun its full 160 us budget, then slept), 17.5 us with it (11 us when
 *       yielding after 2 us, 6 us after 0 us, which costs the two-CPU case its best round trips:
 *       0.5-0.7 us became 1.2). With nothing else runnable a yield returns at once.
 *   <li>Then sleeps of at most {@link #SLICE_NANOS}: a futex wait does not see
 *       {@link Thread#interrupt()}, and a lock owner may die without waking anyone. Between slices
 *       a waiter checks its interrupt status, its deadline and, for locks and barriers, whether
 *       the processes it waits for are still alive. Twenty-odd wake-ups a second cost a blocked
 *       process well under 0.1% of a core.
 * </ul>
 */
public final class Waits {
    /** How long a waiter spins before its first sleep, in nanoseconds (20 us). */
    public static final long SPIN_NANOS = Long.getLong("mp4j.spinMicros", 20) * 1000;
    /** Longest single futex sleep, in nanoseconds (20 ms). */
    public static final long SLICE_NANOS = 20_000_000L;

    private Waits() {}

    /** After this long (5 us) a spinning waiter yields its CPU between checks. */
    public static final long YIELD_AFTER_NANOS = Long.getLong("mp4j.yieldAfterMicros", 5) * 1000;

    /** Longest pause between two checks of a spinning waiter, in {@link Thread#onSpinWait()} calls. */
    public static final int MAX_BACKOFF = Integer.getInteger("mp4j.backoff", 64);

    /**
     * Longest pause between two checks of a ring's waiter (a consumer waiting for data, a
     * producer waiting for room), in spin-wait hints: 4, not {@link #MAX_BACKOFF}.
     *
     * <p>A spin-wait hint ({@code PAUSE}) takes about 28 ns on these machines (AMD EPYC under
     * KVM, measured 2026-11-25), so with pauses that double up to 64 a waiter's checks come about
     * 0.07, 0.16, 0.32, 0.58, 1.07 and 2.0 us after it starts waiting (counting about 40 ns for a
     * check and its clock read): a message that arrives just after a check waits for the next
     * one, up to as long again as the wait so far. In a round trip each side waits about half of
     * it, and when the host's line transfers are slow a reply that missed the check at 0.32 or
     * 0.58 us was seen at 1.07, so the round trip doubled. Measured (alternating runs,
     * {@code queue_latency} medians): with 64, 0.72-0.87 us and, in 3 runs of 7, 2.10-2.37 us;
     * with 4 (checks every 0.15 us once the pauses reach it), 0.51-0.72 us in 7 runs of 7. The throughput rows (one and two producers, {@code Pool.map})
     * were within their run-to-run spread. A lock keeps {@link #MAX_BACKOFF}: there, checking
     * less often leaves the lock's line with its holder.
     */
    public static final int RING_BACKOFF = Integer.getInteger("mp4j.ringBackoff", 4);

    /**
     * One step of a spinning waiter: pauses before check number {@code attempt} (1, 2, ...) for
     * 1, 2, 4 ... {@link #MAX_BACKOFF} spin-wait hints, and says whether the waiter may check
     * again (true) or should sleep now (its {@link #SPIN_NANOS} since {@code spinStart} are
     * spent). Checking less and less often leaves the cache line of a busy lock with its holder,
     * which can then release and take it again without a transfer.
     */
    public static boolean spin(int attempt, long spinStart) {
        return spin(attempt, spinStart, SPIN_NANOS, MAX_BACKOFF);
    }

    /**
     * {@link #spin(int, long)} with a spin of {@code spinNanos} instead of {@link #SPIN_NANOS}
     * (see {@link SpinBudget}) and pauses of at most {@code maxBackoff} spin-wait hints instead
     * of {@link #MAX_BACKOFF} ({@link #RING_BACKOFF} for a ring's waiters).
     */
    public static boolean spin(int attempt, long spinStart, long spinNanos, int maxBackoff) {
        long spun = System.nanoTime() - spinStart;
        if (spun > spinNanos) {
            return false;
        }
        if (spun > YIELD_AFTER_NANOS) {
            Thread.yield();
            return true;
        }
        int n = attempt >= 31 ? maxBackoff : Math.min(1 << Math.max(0, attempt - 1), maxBackoff);
        for (int i = 0; i < n; i++) {
            Thread.onSpinWait();
        }
        return true;
    }

    /** The absolute {@link System#nanoTime()} deadline of a timeout (negative: none). */
    public static long deadline(long timeoutNanos) {
        return timeoutNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
    }
}
