package org.multiprocessing4j.internal.shm;

/**
 * The waiting policy of every blocking primitive: spin a little, then sleep on a futex in
 * slices.
 *
 * <ul>
 *   <li>{@link #SPINS} busy checks with {@link Thread#onSpinWait()} first: a futex sleep and wake
 *       cost 10-50 us on these machines, a cross-process hand-over through shared memory about
 *       0.1 us, so a short spin catches the releases that come within microseconds.
 *   <li>Then sleeps of at most {@link #SLICE_NANOS}: a futex wait does not see
 *       {@link Thread#interrupt()}, and a lock owner may die without waking anyone. Between slices
 *       a waiter checks its interrupt status, its deadline and, for locks and barriers, whether
 *       the processes it waits for are still alive. Twenty-odd wake-ups a second cost a blocked
 *       process well under 0.1% of a core.
 * </ul>
 */
public final class Waits {
    /** Busy checks before the first sleep. */
    public static final int SPINS = Integer.getInteger("mp4j.spins", 200);
    /** Longest single futex sleep, in nanoseconds (20 ms). */
    public static final long SLICE_NANOS = 20_000_000L;

    private Waits() {}

    /** Longest pause between two checks of a spinning waiter, in {@link Thread#onSpinWait()} calls. */
    public static final int MAX_BACKOFF = Integer.getInteger("mp4j.backoff", 64);

    /**
     * Pauses before check number {@code attempt} (1, 2, ...) of a spinning waiter: 1, 2, 4 ...
     * {@link #MAX_BACKOFF} spin-wait hints. Checking less and less often leaves the cache line of
     * a busy lock with its holder, which can then release and take it again without a transfer.
     */
    public static void backOff(int attempt) {
        int n = attempt >= 31 ? MAX_BACKOFF : Math.min(1 << Math.max(0, attempt - 1), MAX_BACKOFF);
        for (int i = 0; i < n; i++) {
            Thread.onSpinWait();
        }
    }

    /** The absolute {@link System#nanoTime()} deadline of a timeout (negative: none). */
    public static long deadline(long timeoutNanos) {
        return timeoutNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
    }
}
