package org.multiprocessing4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The result of work handed to a {@link Pool} or a {@link ProcessPoolExecutor}, once it arrives:
 * CPython's {@code AsyncResult} and a {@link Future}.
 *
 * <ul>
 * <li>{@link #get()} waits and returns the value, or throws an {@link ExecutionException} whose
 *     cause is what the task threw in the worker (the exception itself when its class can cross,
 *     else a {@link RemoteTaskException}), a {@link WorkerLostException} when the worker died
 *     running it, or a {@link TaskTimeoutException}. {@link #get(Duration)} throws a
 *     {@link TimeoutException} when the time passes first.
 * <li>{@link #await()} (CPython's {@code wait}) waits without throwing; {@link #ready()} and
 *     {@link #successful()} ask without waiting; {@code successful()} before {@code ready()} is
 *     an {@link IllegalStateException}, as CPython's ValueError.
 * <li>{@link #cancel(boolean)}: a task not started is dropped and never runs; a running one is
 *     interrupted when {@code mayInterruptIfRunning}, and its worker is killed (and replaced) if
 *     it has not ended after the pool's cancel grace period. The result is cancelled at once.
 * <li>{@link #toCompletableFuture()} gives a {@link CompletableFuture} view for composition;
 *     {@link #whenAll} and {@link #whenAny} combine results (C#'s {@code Task.WhenAll/WhenAny}).
 * </ul>
 *
 * <p>Thread-safety: all methods may be called from any thread. The actions of the task in the
 * worker, and of the pool's callback, happen-before {@code get()} returns.
 *
 * @param <T> the type of the value
 */
public final class AsyncResult<T> implements Future<T> {
    private final CompletableFuture<T> future;
    /** Told {@code mayInterruptIfRunning} when this result is cancelled. */
    private final java.util.function.Consumer<Boolean> onCancel;

    AsyncResult(CompletableFuture<T> future, java.util.function.Consumer<Boolean> onCancel) {
        this.future = future;
        this.onCancel = onCancel;
    }

    /** A result already completed with {@code value}. */
    static <T> AsyncResult<T> of(T value) {
        return new AsyncResult<>(CompletableFuture.completedFuture(value), interrupt -> {});
    }

    CompletableFuture<T> future() {
        return future;
    }

    /** Waits for the value (see the class documentation for what it throws). */
    @Override
    public T get() throws InterruptedException, ExecutionException {
        return future.get();
    }

    /** Waits at most {@code timeout} for the value. */
    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(timeout, unit);
    }

    /** Waits at most {@code timeout} for the value (CPython: {@code get(timeout)}). */
    public T get(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Waits until the result is ready, whatever it is (CPython: {@code wait()}). */
    public void await() throws InterruptedException {
        try {
            future.get();
        } catch (ExecutionException | CancellationException e) {
            // ready: the outcome is for get() to report
        }
    }

    /**
     * Waits at most {@code timeout} until the result is ready (CPython: {@code wait(timeout)}).
     *
     * @return whether it is ready
     */
    public boolean await(Duration timeout) throws InterruptedException {
        try {
            future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | CancellationException | TimeoutException e) {
            // ready or not: say which
        }
        return future.isDone();
    }

    /** Whether the result has arrived (value, failure or cancellation). CPython: {@code ready()}. */
    public boolean ready() {
        return future.isDone();
    }

    /**
     * Whether the task returned a value (CPython: {@code successful()}).
     *
     * @throws IllegalStateException when the result is not ready
     */
    public boolean successful() {
        if (!future.isDone()) {
            throw new IllegalStateException("the result is not ready");
        }
        return !future.isCompletedExceptionally();
    }

    @Override
    public boolean isDone() {
        return future.isDone();
    }

    @Override
    public boolean isCancelled() {
        return future.isCancelled();
    }

    /**
     * Cancels the work: not started, it never runs; running, it is interrupted when
     * {@code mayInterruptIfRunning} and its worker killed after the pool's grace period if it
     * goes on. Returns false when the result was already there.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = future.cancel(mayInterruptIfRunning);
        if (cancelled) {
            onCancel.accept(mayInterruptIfRunning);
        }
        return cancelled;
    }

    /**
     * A {@link CompletableFuture} that completes as this result does. Completing or cancelling it
     * does not affect the task; cancel through {@link #cancel(boolean)}.
     */
    public CompletableFuture<T> toCompletableFuture() {
        return future.copy();
    }

    /**
     * A result that is ready when every one of {@code results} is: their values in order, or the
     * first failure met in that order (C#'s {@code Task.WhenAll}).
     */
    @SafeVarargs
    public static <T> AsyncResult<List<T>> whenAll(AsyncResult<? extends T>... results) {
        return whenAll(Arrays.asList(results));
    }

    /** As {@link #whenAll(AsyncResult[])}, over a collection. */
    public static <T> AsyncResult<List<T>> whenAll(Collection<? extends AsyncResult<? extends T>> results) {
        List<AsyncResult<? extends T>> all = List.copyOf(results);
        CompletableFuture<?>[] fs = all.stream().map(r -> r.future).toArray(CompletableFuture[]::new);
        CompletableFuture<List<T>> combined = CompletableFuture.allOf(fs).handle((v, ignored) -> {
            List<T> values = new ArrayList<>(all.size());
            for (AsyncResult<? extends T> r : all) {
                values.add(r.future.join()); // the first failure in order is thrown from here
            }
            return values;
        });
        return new AsyncResult<>(combined, interrupt -> all.forEach(r -> r.cancel(interrupt)));
    }

    /**
     * A result that is ready when the first of {@code results} is, with that one's value or
     * failure (C#'s {@code Task.WhenAny}, unwrapped). The others run on; cancel them if need be.
     */
    @SafeVarargs
    public static <T> AsyncResult<T> whenAny(AsyncResult<? extends T>... results) {
        return whenAny(Arrays.asList(results));
    }

    /** As {@link #whenAny(AsyncResult[])}, over a collection. */
    @SuppressWarnings("unchecked")
    public static <T> AsyncResult<T> whenAny(Collection<? extends AsyncResult<? extends T>> results) {
        List<AsyncResult<? extends T>> all = List.copyOf(results);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("whenAny needs at least one result");
        }
        CompletableFuture<?>[] fs = all.stream().map(r -> r.future).toArray(CompletableFuture[]::new);
        CompletableFuture<T> first = (CompletableFuture<T>) (CompletableFuture<?>) CompletableFuture.anyOf(fs);
        return new AsyncResult<>(first, interrupt -> {});
    }

    @Override
    public String toString() {
        return "AsyncResult[" + (future.isCancelled() ? "cancelled" : !future.isDone() ? "pending"
                : future.isCompletedExceptionally() ? "failed" : "ready") + "]";
    }
}
