package org.multiprocessing4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Future;

/**
 * A signal that cancels the work registered with it: C#'s {@code CancellationTokenSource} and
 * {@code CancellationToken} in one object, for pool results.
 *
 * <pre>{@code
 * CancellationToken token = new CancellationToken().cancelAfter(Duration.ofSeconds(3)); // cts.CancelAfter(3s)
 * AsyncResult<String> r = token.register(pool.applyAsync(Demo::slow, 5));
 * r.get();   // CancellationException after 3 s: the task was interrupted in its worker
 * }</pre>
 *
 * <p>{@link #cancel()} cancels every registered future with {@code cancel(true)} (a running pool
 * task is interrupted, and its worker killed after the pool's grace period if it goes on); a
 * future registered after the token was cancelled is cancelled at once. Cancelling twice is
 * harmless.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class CancellationToken {
    private final List<Future<?>> registered = new ArrayList<>();
    private boolean cancelled;
    private Thread timer;

    /** Whether {@link #cancel()} was called (C#: {@code IsCancellationRequested}). */
    public synchronized boolean isCancelled() {
        return cancelled;
    }

    /** Cancels every registered future now. */
    public void cancel() {
        List<Future<?>> all;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            all = new ArrayList<>(registered);
            registered.clear();
        }
        for (Future<?> f : all) {
            f.cancel(true);
        }
    }

    /** Cancels after {@code delay} (C#: {@code CancelAfter}); returns this token. */
    public synchronized CancellationToken cancelAfter(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (!cancelled) {
            if (timer != null) {
                timer.interrupt();
            }
            timer = Thread.ofVirtual().name("mp4j-cancel-after").start(() -> {
                try {
                    Thread.sleep(delay);
                    cancel();
                } catch (InterruptedException e) {
                    // replaced by a later cancelAfter
                }
            });
        }
        return this;
    }

    /** Registers {@code future}: cancelled with this token (at once if it already is); returns it. */
    public <F extends Future<?>> F register(F future) {
        Objects.requireNonNull(future, "future");
        synchronized (this) {
            if (!cancelled) {
                registered.removeIf(Future::isDone);
                registered.add(future);
                return future;
            }
        }
        future.cancel(true);
        return future;
    }
}
