package org.multiprocessing4j;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An {@link ExecutorService} whose tasks run in worker processes: CPython's
 * {@code concurrent.futures.ProcessPoolExecutor}, on a {@link Pool} (so with its guarantees: a
 * worker that dies fails only the task it ran, with a {@link WorkerLostException}, and is
 * replaced; the executor never breaks for good as CPython's does with BrokenProcessPool).
 *
 * <pre>{@code
 * try (ProcessPoolExecutor ex = new ProcessPoolExecutor(4)) {
 *     AsyncResult<Integer> f = ex.submit(() -> 6 * 7);
 *     System.out.println(f.get());                                   // 42
 *     ex.map(Demo::square, List.of(1, 2, 3), 1).forEachRemaining(System.out::println);
 * }
 * }</pre>
 *
 * <p>Tasks must be serializable: a lambda passed to {@link #submit(Task)} is a {@link Task}, and
 * a {@link Callable} or {@link Runnable} given through the {@code ExecutorService} methods must
 * also implement {@link Serializable} (otherwise a {@link RejectedExecutionException} whose cause
 * names the class is thrown at the call). Futures are {@link AsyncResult}s;
 * {@link AsyncResult#toCompletableFuture()} gives done callbacks ({@code whenComplete}).
 * {@link #close()} (try-with-resources) shuts down and waits for the submitted tasks, as
 * {@code ExecutorService.close} does; {@link #shutdownNow()} kills the workers and returns the
 * tasks that had not been handed to a worker.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class ProcessPoolExecutor implements ExecutorService {
    private final Pool pool;

    /** An executor of {@code maxWorkers} worker processes of the default context. */
    public ProcessPoolExecutor(int maxWorkers) {
        this(Pool.builder().processes(maxWorkers).build());
    }

    /** An executor of {@code maxWorkers} worker processes started by {@code context}. */
    public ProcessPoolExecutor(Context context, int maxWorkers) {
        this(Pool.builder().context(context).processes(maxWorkers).build());
    }

    /** An executor on the pool {@code builder} makes (initializer, limits, retries, ...). */
    public ProcessPoolExecutor(Pool.Builder builder) {
        this(builder.build());
    }

    private ProcessPoolExecutor(Pool pool) {
        this.pool = pool;
    }

    /** The pool underneath. */
    public Pool pool() {
        return pool;
    }

    /** Submits a serializable task (a lambda becomes one). */
    public <T> AsyncResult<T> submit(Task<T> task) {
        return accept(task, new Object[0]);
    }

    /** Submits {@code fn(a)} (CPython: {@code submit(fn, a)}). */
    public <A, T> AsyncResult<T> submit(Task1<A, T> fn, A a) {
        return accept(fn, new Object[] {a});
    }

    /**
     * Submits a callable, which must also be {@link Serializable}.
     *
     * @throws RejectedExecutionException when it is not, when an argument cannot be serialised, or
     *     after shutdown
     */
    @Override
    public <T> AsyncResult<T> submit(Callable<T> task) {
        return accept(serializable(task), new Object[0]);
    }

    /** Submits a runnable, which must also be {@link Serializable}; the result's value is null. */
    @Override
    public AsyncResult<?> submit(Runnable task) {
        return accept(serializable(task), new Object[0]);
    }

    /** Submits a runnable, which must also be {@link Serializable}; the result's value is {@code result}. */
    @Override
    public <T> AsyncResult<T> submit(Runnable task, T result) {
        AsyncResult<Object> r = accept(serializable(task), new Object[0]);
        java.util.concurrent.CompletableFuture<T> mapped = r.future().thenApply(v -> result);
        return new AsyncResult<>(mapped, r::cancel);
    }

    /** Runs a serializable runnable in a worker; its failure is logged by nobody: use {@link #submit(Runnable)} to see it. */
    @Override
    public void execute(Runnable command) {
        submit(command);
    }

    private static Serializable serializable(Object task) {
        Objects.requireNonNull(task, "task");
        if (!(task instanceof Serializable s)) {
            throw new RejectedExecutionException("a task for a process pool must be Serializable: " + task.getClass().getName()
                    + " is not (use a lambda where a multiprocessing4j Task is expected, or implement Serializable)",
                    new SerializationException(task.getClass().getName() + " is not serialisable", task.getClass().getName(), null));
        }
        return s;
    }

    private <T> AsyncResult<T> accept(Serializable fn, Object[] args) {
        try {
            return pool.submitCall(fn, args, null, null);
        } catch (IllegalStateException e) {
            throw new RejectedExecutionException("the executor is shut down: " + e.getMessage(), e);
        }
    }

    /**
     * {@code fn} applied to the items, results in order as an iterator (CPython:
     * {@code executor.map(fn, items, chunksize=...)}); a failure is thrown by {@code next()} at its
     * place as a {@link java.util.concurrent.CompletionException}.
     */
    public <A, R> ResultIterator<R> map(Task1<A, R> fn, Iterable<? extends A> items, int chunksize) {
        try {
            return pool.imap(fn, items, chunksize);
        } catch (IllegalStateException e) {
            throw new RejectedExecutionException("the executor is shut down: " + e.getMessage(), e);
        }
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        List<Future<T>> futures = submitAll(tasks);
        for (Future<T> f : futures) {
            ((AsyncResult<T>) f).await();
        }
        return futures;
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Future<T>> futures = submitAll(tasks);
        for (Future<T> f : futures) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !((AsyncResult<T>) f).await(Duration.ofNanos(left))) {
                break;
            }
        }
        for (Future<T> f : futures) {
            f.cancel(true);
        }
        return futures;
    }

    private <T> List<Future<T>> submitAll(Collection<? extends Callable<T>> tasks) {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        try {
            for (Callable<T> t : tasks) {
                futures.add(submit(t));
            }
        } catch (RuntimeException e) {
            futures.forEach(f -> f.cancel(true));
            throw e;
        }
        return futures;
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return invokeAny(tasks, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(e); // no deadline: cannot happen
        }
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task");
        }
        long deadline = timeout == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + unit.toNanos(timeout);
        List<Future<T>> futures = submitAll(tasks);
        java.util.concurrent.LinkedBlockingQueue<AsyncResult<T>> done = new java.util.concurrent.LinkedBlockingQueue<>();
        for (Future<T> f : futures) {
            AsyncResult<T> r = (AsyncResult<T>) f;
            r.future().whenComplete((v, e) -> done.add(r));
        }
        ExecutionException last = null;
        try {
            for (int i = 0; i < futures.size(); i++) {
                long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                AsyncResult<T> r = left == Long.MAX_VALUE ? done.take() : done.poll(left, TimeUnit.NANOSECONDS);
                if (r == null) {
                    throw new TimeoutException("no task of invokeAny succeeded in time");
                }
                try {
                    return r.get();
                } catch (ExecutionException e) {
                    last = e;
                } catch (CancellationException e) {
                    last = new ExecutionException(e);
                }
            }
            throw last;
        } finally {
            for (Future<T> f : futures) {
                f.cancel(true);
            }
        }
    }

    /** No new tasks; submitted ones run (CPython: {@code shutdown(wait=False)}). */
    @Override
    public void shutdown() {
        pool.close();
    }

    /**
     * Kills the workers and cancels every unfinished task (CPython: {@code shutdown(cancel_futures=True)}
     * and more). The tasks that had not been handed to a worker come back as runnables that would
     * run them in this JVM.
     */
    @Override
    public List<Runnable> shutdownNow() {
        List<Runnable> neverStarted = new ArrayList<>();
        for (Pool.PoolTask t : pool.terminateReturningPending()) {
            Serializable fn = t.fn.function;
            neverStarted.add(() -> {
                try {
                    if (fn instanceof Callable<?> c) {
                        c.call();
                    } else if (fn instanceof Runnable r) {
                        r.run();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
        }
        return neverStarted;
    }

    @Override
    public boolean isShutdown() {
        return pool.isClosed();
    }

    @Override
    public boolean isTerminated() {
        return pool.isClosed() && pool.workerPids().isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        if (!pool.isClosed()) {
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            while (!pool.isClosed()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                Thread.sleep(Math.min(10, Math.max(1, left / 1_000_000))); // until someone shuts down; bounded by the deadline
            }
            return pool.join(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        return pool.join(Duration.ofNanos(unit.toNanos(timeout)));
    }

    @Override
    public String toString() {
        return "ProcessPoolExecutor[" + pool + "]";
    }
}
