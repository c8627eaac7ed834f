package org.multiprocessing4j.internal.shm;

/**
 * How long a waiter of one object spins before it sleeps, learnt from how its sleeps end
 * (process-local; shared by the threads of this process that wait on the object).
 *
 * <p>The fixed {@link Waits#SPIN_NANOS} (20 us) is shorter than a futex wake-up on these machines
 * (25-50 us). Two processes that pass messages back and forth can therefore fall into a stable
 * slow state: each wakes the other from a sleep, the wake-up takes longer than the other's spin,
 * so the other sleeps too, and every round trip costs two wake-ups. Measured on a pipe: 50-60 us
 * per round trip in that state, against 0.7 us when both sides catch the message while spinning;
 * a cold (interpreted) process falls into it at once and stayed there for thousands of messages.
 *
 * <p>The rule: a sleep that ended within {@link #SHORT_SLEEP_NANOS} of its start means the data
 * came soon after the spin gave up, so the next spin is twice as long (up to
 * {@link #MAX_NANOS}); a sleep longer than {@link #LONG_SLEEP_NANOS} means the partner was idle,
 * so the next spin is halved (down to {@link Waits#SPIN_NANOS}). Waiters on an idle object thus
 * spin 20 us, as before; only a partner that answers within a fraction of a millisecond earns a
 * longer spin. The field is a plain int: a lost update between racing threads costs one step of
 * the rule, nothing else.
 */
public final class SpinBudget {
    /** The longest spin the rule grows to (nanoseconds). */
    public static final long MAX_NANOS = Long.getLong("mp4j.maxSpinMicros", 160) * 1000;
    /** A sleep shorter than this made the spin too short. */
    static final long SHORT_SLEEP_NANOS = 500_000;
    /** A sleep longer than this found an idle partner. */
    static final long LONG_SLEEP_NANOS = 2_000_000;

    private long nanos = Waits.SPIN_NANOS;

    /** The current spin length in nanoseconds. */
    public long nanos() {
        return nanos;
    }

    /** Learns from one sleep that lasted {@code slept} nanoseconds and ended with what was awaited. */
    public void slept(long slept) {
        long n = nanos;
        if (slept < SHORT_SLEEP_NANOS) {
            nanos = Math.min(MAX_NANOS, Math.max(n, 1000) * 2);
        } else if (slept > LONG_SLEEP_NANOS) {
            nanos = Math.max(Waits.SPIN_NANOS, n / 2);
        }
    }
}
