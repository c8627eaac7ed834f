package org.multiprocessing4j;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * When a failed pool task runs again: up to {@link #maxAttempts()} runs in all, waiting
 * {@code initialBackoff * multiplier^(n-1)} (at most {@code maxBackoff}) before run {@code n+1}.
 * By default only a {@link WorkerLostException} (the worker died) is retried; {@link #retryIf}
 * widens that to task exceptions (the C# part of the source texts: retry with exponential
 * backoff).
 *
 * <pre>{@code
 * Pool pool = Pool.builder().processes(4)
 *         .retry(RetryPolicy.attempts(3).backoff(Duration.ofMillis(10), 2.0, Duration.ofSeconds(1)))
 *         .build();
 * }</pre>
 *
 * <p>A retried task may run more than once to completion: a worker can die after the task ended
 * but before its result reached the pool. Without retries, a task runs at most once.
 *
 * <p>Immutable; thread-safe.
 */
public final class RetryPolicy {
    private static final Predicate<Throwable> WORKER_LOST = e -> e instanceof WorkerLostException;

    /** No retries: every failure is final (the default). */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, 1.0, Duration.ZERO, WORKER_LOST);

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final double multiplier;
    private final Duration maxBackoff;
    private final Predicate<Throwable> retryIf;

    private RetryPolicy(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff,
                        Predicate<Throwable> retryIf) {
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.multiplier = multiplier;
        this.maxBackoff = maxBackoff;
        this.retryIf = retryIf;
    }

    /** Up to {@code maxAttempts} runs in all (1 = no retry), without backoff, on worker loss. */
    public static RetryPolicy attempts(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
        }
        return new RetryPolicy(maxAttempts, Duration.ZERO, 1.0, Duration.ZERO, WORKER_LOST);
    }

    /** The same policy with an exponential backoff between runs. */
    public RetryPolicy backoff(Duration initial, double multiplier, Duration max) {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || max.isNegative() || !(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("backoff needs initial >= 0, max >= 0 and a finite multiplier >= 1 (got "
                    + initial + ", " + multiplier + ", " + max + ")");
        }
        return new RetryPolicy(maxAttempts, initial, multiplier, max, retryIf);
    }

    /**
     * The same policy, retrying the failures {@code predicate} accepts (its argument is the
     * exception the task threw as the caller would see it, or a {@link WorkerLostException}).
     * Worker loss is retried only if the predicate accepts it too.
     */
    public RetryPolicy retryIf(Predicate<Throwable> predicate) {
        return new RetryPolicy(maxAttempts, initialBackoff, multiplier, maxBackoff, Objects.requireNonNull(predicate, "predicate"));
    }

    /** Runs in all, the first included. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** Whether a task that failed with {@code failure} after {@code attempts} runs runs again. */
    public boolean shouldRetry(Throwable failure, int attempts) {
        return attempts < maxAttempts && retryIf != null && retryIf.test(failure);
    }

    /** The wait before run {@code attempts + 1}. */
    public Duration backoffAfter(int attempts) {
        if (initialBackoff.isZero()) {
            return Duration.ZERO;
        }
        double nanos = initialBackoff.toNanos() * Math.pow(multiplier, Math.max(0, attempts - 1));
        return Duration.ofNanos((long) Math.min(nanos, maxBackoff.toNanos()));
    }

    @Override
    public String toString() {
        return "RetryPolicy[maxAttempts=" + maxAttempts + ", backoff=" + initialBackoff + " x" + multiplier + " up to " + maxBackoff + "]";
    }
}
