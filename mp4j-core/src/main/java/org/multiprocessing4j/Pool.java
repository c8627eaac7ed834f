package org.multiprocessing4j;

import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.log.Log;

/**
 * A pool of worker processes that run tasks and send their results back: CPython's
 * {@code multiprocessing.Pool}, without its hangs.
 *
 * <pre>{@code
 * try (Pool pool = new Pool(4)) {
 *     List<Integer> squares = pool.map(Demo::square, List.of(1, 2, 3));        // [1, 4, 9]
 *     AsyncResult<Integer> r = pool.applyAsync(Demo::square, 7);
 *     System.out.println(r.get());                                            // 49
 * }
 * }</pre>
 *
 * <h2>Tasks</h2>
 * A task is a serializable lambda or method reference ({@link Task}, {@link Task1},
 * {@link Task2}, {@link Task3}) and its arguments; the class that declares it is allowed
 * automatically, argument and result classes other than the JDK's common ones must be registered
 * ({@link Context#register}). Arguments are serialised in the calling thread: one that cannot be
 * fails there, with a {@link SerializationException} naming its class, and nothing is submitted.
 * Byte arrays are the exception, as arrays handed to an {@code ExecutorService} are: a large one
 * is not copied at the call but written from the caller's array straight into the worker's pipe
 * when the task is sent (one copy, no second array of the same size in this process), so a
 * {@code byte[]} argument must not be changed until its task's result is ready. A task's
 * arguments are limited to 2 GiB (a chunk beyond that is refused at the call).
 * Queues, pipes, locks and shared values passed as arguments reach the worker as handles on the
 * same shared memory. A result that cannot be serialised fails its task.
 *
 * <h2>What CPython gets wrong, done right</h2>
 * <ul>
 * <li>A worker that dies (SIGKILL, {@code System.exit}, a crash) never hangs the pool: the task it
 *     was running fails with a {@link WorkerLostException} naming its pid and exit code (or runs
 *     again under the {@link RetryPolicy}), tasks it had received but not started go to other
 *     workers, and a new worker takes its place.
 * <li>Time limits ({@link Builder#timeLimits}): past the soft limit the task's thread is
 *     interrupted; past the hard limit its worker is killed and replaced; the task fails with a
 *     {@link TaskTimeoutException} and the pool goes on.
 * <li>{@link Builder#maxTasksPerChild} and {@link Builder#memoryLimit} replace workers after so
 *     many tasks, or when their resident memory exceeds a limit after a task, without losing or
 *     hanging anything (CPython gh-115634).
 * <li>Cancelling a result ({@link AsyncResult#cancel}) drops a task that has not started and
 *     interrupts a running one, killing its worker after {@link Builder#cancelGrace} if need be.
 * </ul>
 *
 * <h2>Scheduling</h2>
 * Each worker has its own pipe; the pool hands every task to one worker and so always knows
 * which worker holds which task. A worker is sent more tasks while it works on one (so that it
 * does not wait for the next), as many as make about 1 ms of work by the measured run time of the
 * function, at most 1,024, one at a time while the run time is unknown. Workers run the tasks
 * they hold in order. A chunk ({@code chunksize}) is one task.
 *
 * <h2>Life cycle</h2>
 * {@link #close()} (also the end of a try-with-resources block) stops new submissions; submitted
 * tasks still run, then the workers exit. {@link #terminate()} stops at once: workers are killed
 * and unfinished results are cancelled. {@link #join()} waits for the workers to exit, after
 * {@code close} or {@code terminate} (before them it is an {@link IllegalStateException}, as in
 * CPython). Workers are daemonic processes: they cannot start processes of their own, and they
 * end with this JVM.
 *
 * <h2>Start methods</h2>
 * Workers are processes of the pool's {@link Context}: {@code spawn}, {@code warm} (pre-started
 * JVMs; the fastest start) or {@code thread} (CPython's {@code multiprocessing.dummy.Pool}; there a
 * hard limit, a cancellation and {@link #terminate()} can only interrupt a task, and the memory
 * limit does not apply).
 *
 * <p>Thread-safety: all methods may be called from any thread. Callbacks run on one thread of the
 * pool, in the order results complete; a result is ready after its callback has returned.
 */
public final class Pool implements AutoCloseable {
    private static final Log LOG = Log.of(Pool.class);
    /** Work a worker is given ahead, by the measured run time of its tasks (see the class doc). */
    static final long AHEAD_NANOS = 1_000_000L;
    /** At most this many tasks wait in one worker. */
    static final int MAX_AHEAD = 1024;
    /** At most this many chunks of one imap are submitted and not yet consumed. */
    static final int IMAP_IN_FLIGHT = 4096;
    /**
     * Workers that end by themselves (not killed by a signal from outside) before any task
     * completed, in a row, before the pool gives up: they cannot start, and starting more would
     * loop for ever.
     */
    private static final int MAX_EARLY_DEATHS = 5;
    /** Functions each worker keeps decoded; the oldest is forgotten beyond. */
    private static final int WORKER_FUNCTIONS = 256;
    /** A feeder keeps its batch buffer up to this size (bigger batches get a buffer of their own). */
    private static final int BATCH_BUFFER_KEPT = 1 << 20;
    /** The bytes before a task's own in its message: the BATCH type and a count of 1. */
    static final int BATCH_HEADER = 5;
    /**
     * The ring size of each direction of a worker's task pipe: 4 MiB (or a pipe's default, if
     * larger), four times a pipe's default. A large chunk streams through it with a quarter of the
     * hand-offs between the feeder and the worker (measured, {@code pool_large_args}: 1.9-2.7 GB/s
     * with 1 MiB, 2.7-3.6 with 4 MiB); the shared memory is touched only as such messages pass.
     */
    private static final long TASK_PIPE_CAPACITY = Math.max(org.multiprocessing4j.internal.ipc.PipeEnd.CAPACITY, 4L << 20);
    /** The largest task message: a worker receives a message into one array. */
    private static final long MAX_TASK_BYTES = Integer.MAX_VALUE - 64;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private enum State { RUNNING, CLOSED, TERMINATED, BROKEN }

    private final Context context;
    private final Codec codec;
    private final int processes;
    private final byte[] initializer;
    private final int maxTasksPerChild;
    private final Duration softLimit;
    private final Duration hardLimit;
    private final long memoryLimit;
    private final RetryPolicy retry;
    private final Duration cancelGrace;
    private final int poolNumber = POOLS.incrementAndGet();

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when workers come and go and when the pool drains. */
    private final java.util.concurrent.locks.Condition changed = lock.newCondition();
    /** Tasks not yet sent, oldest first; cancelled ones are skipped when met. Guarded by lock. */
    private final ArrayDeque<PoolTask> pending = new ArrayDeque<>();
    /** Live workers. Guarded by lock. */
    private final List<Worker> workers = new ArrayList<>();
    /** Processes of workers that ended or were replaced, for join. Guarded by lock. */
    private final List<Process> ended = new ArrayList<>();
    /** Tasks submitted and not final (pending, held by a worker, or waiting to be retried). Guarded by lock. */
    private int outstanding;
    private State state = State.RUNNING;
    private Throwable brokenBy;
    private int workerCounter;
    private int earlyDeaths;
    private final AtomicLong taskIds = new AtomicLong();
    private final AtomicLong fnIds = new AtomicLong();
    /** The last function submitted and its encoding: a loop of applies encodes its function once. */
    private volatile Fn lastFn;
    private ScheduledExecutorService timer;
    private ExecutorService callbacks;

    /** A pool of {@link Multiprocessing#cpuCount()} workers of the default context. */
    public Pool() {
        this(builder());
    }

    /** A pool of {@code processes} workers of the default context (CPython: {@code Pool(processes)}). */
    public Pool(int processes) {
        this(builder().processes(processes));
    }

    /** A builder for the other options (initializer, limits, retries, context). */
    public static Builder builder() {
        return new Builder();
    }

    private Pool(Builder b) {
        this.context = b.context != null ? b.context : Multiprocessing.defaultContext();
        this.codec = context.codec();
        this.processes = b.processes > 0 ? b.processes : Multiprocessing.cpuCount();
        this.maxTasksPerChild = b.maxTasksPerChild;
        this.softLimit = b.softLimit;
        this.hardLimit = b.hardLimit;
        this.memoryLimit = context.startMethod() == StartMethod.THREAD ? 0 : b.memoryLimit;
        this.retry = b.retry;
        this.cancelGrace = b.cancelGrace;
        this.initializer = b.initializer == null ? null : encodeInitializer(b.initializer, b.initargs);
        if (Multiprocessing.currentProcess().isDaemon()) {
            throw new IllegalStateException("daemonic processes are not allowed to have children (current process "
                    + Multiprocessing.currentProcess().name() + " is daemonic), so it cannot start a pool");
        }
        try {
            for (int i = 0; i < processes; i++) {
                startWorker();
            }
        } catch (RuntimeException | Error e) {
            terminate();
            throw e;
        }
        if (hardLimit != null) {
            long tick = Math.clamp(hardLimit.toNanos() / 10, 5_000_000L, 100_000_000L);
            timer().scheduleWithFixedDelay(this::enforceHardLimit, tick, tick, TimeUnit.NANOSECONDS);
        }
    }

    /** The number of worker processes. */
    public int processes() {
        return processes;
    }

    /** The context the workers are processes of. */
    public Context context() {
        return context;
    }

    // ------------------------------------------------------------------ apply

    /** Runs {@code fn()} in a worker and returns its value (CPython: {@code apply}). */
    public <R> R apply(Task<R> fn) throws InterruptedException, ExecutionException {
        return applyAsync(fn).get();
    }

    /** Runs {@code fn(a)} in a worker and returns its value. */
    public <A, R> R apply(Task1<A, R> fn, A a) throws InterruptedException, ExecutionException {
        return applyAsync(fn, a).get();
    }

    /** Runs {@code fn(a, b)} in a worker and returns its value. */
    public <A, B, R> R apply(Task2<A, B, R> fn, A a, B b) throws InterruptedException, ExecutionException {
        return applyAsync(fn, a, b).get();
    }

    /** Runs {@code fn(a, b, c)} in a worker and returns its value. */
    public <A, B, C, R> R apply(Task3<A, B, C, R> fn, A a, B b, C c) throws InterruptedException, ExecutionException {
        return applyAsync(fn, a, b, c).get();
    }

    /** Submits {@code fn()} (CPython: {@code apply_async}). */
    public <R> AsyncResult<R> applyAsync(Task<R> fn) {
        return submitCall(fn, new Object[0], null, null);
    }

    /** Submits {@code fn(a)}. */
    public <A, R> AsyncResult<R> applyAsync(Task1<A, R> fn, A a) {
        return submitCall(fn, new Object[] {a}, null, null);
    }

    /** Submits {@code fn(a, b)}. */
    public <A, B, R> AsyncResult<R> applyAsync(Task2<A, B, R> fn, A a, B b) {
        return submitCall(fn, new Object[] {a, b}, null, null);
    }

    /** Submits {@code fn(a, b, c)}. */
    public <A, B, C, R> AsyncResult<R> applyAsync(Task3<A, B, C, R> fn, A a, B b, C c) {
        return submitCall(fn, new Object[] {a, b, c}, null, null);
    }

    /**
     * Submits {@code fn(a)}; {@code callback} gets the value or {@code errorCallback} the failure,
     * in this process on the pool's callback thread, before the result becomes ready (CPython:
     * {@code apply_async(f, (a,), callback=..., error_callback=...)}). Either may be null.
     */
    public <A, R> AsyncResult<R> applyAsync(Task1<A, R> fn, A a, Consumer<? super R> callback,
                                            Consumer<? super Throwable> errorCallback) {
        return submitCall(fn, new Object[] {a}, callback, errorCallback);
    }

    /** As {@link #applyAsync(Task1, Object, Consumer, Consumer)} for a task without arguments. */
    public <R> AsyncResult<R> applyAsync(Task<R> fn, Consumer<? super R> callback, Consumer<? super Throwable> errorCallback) {
        return submitCall(fn, new Object[0], callback, errorCallback);
    }

    /** Submits an already typed call; used by {@link ProcessPoolExecutor} for its Callables and Runnables. */
    <R> AsyncResult<R> submitCall(Serializable fn, Object[] args, Consumer<? super R> callback,
                                  Consumer<? super Throwable> errorCallback) {
        Objects.requireNonNull(fn, "fn");
        Fn f = function(fn);
        long id = taskIds.incrementAndGet();
        PoolWire.Out message = encodeTask(id, f, Collections.singletonList(args), true);
        ApplyJob<R> job = new ApplyJob<>(f, callback, errorCallback);
        job.task = new PoolTask(id, job, 0, 1, message);
        submit(List.of(job.task));
        return job.result;
    }

    // ------------------------------------------------------------------ map

    /**
     * {@code fn} applied to every item, in the order of the items (CPython: {@code map}). The items
     * are cut into chunks of CPython's default size, {@code ceil(n / (4 * processes))}.
     *
     * @throws ExecutionException when a task failed; its cause is the first failure
     */
    public <A, R> List<R> map(Task1<A, R> fn, Iterable<? extends A> items) throws InterruptedException, ExecutionException {
        return mapAsync(fn, items).get();
    }

    /** As {@link #map(Task1, Iterable)}, {@code chunksize} items per task. */
    public <A, R> List<R> map(Task1<A, R> fn, Iterable<? extends A> items, int chunksize)
            throws InterruptedException, ExecutionException {
        return mapAsync(fn, items, chunksize).get();
    }

    /** Submits a map (CPython: {@code map_async}); the result is the list of values in order. */
    public <A, R> AsyncResult<List<R>> mapAsync(Task1<A, R> fn, Iterable<? extends A> items) {
        return mapAsync(fn, items, 0, null, null);
    }

    /** Submits a map of {@code chunksize} items per task. */
    public <A, R> AsyncResult<List<R>> mapAsync(Task1<A, R> fn, Iterable<? extends A> items, int chunksize) {
        checkChunksize(chunksize);
        return mapAsync(fn, items, chunksize, null, null);
    }

    /**
     * Submits a map with callbacks: {@code callback} gets the list of values, {@code errorCallback}
     * the first failure (either may be null); {@code chunksize} 0 means the default.
     */
    public <A, R> AsyncResult<List<R>> mapAsync(Task1<A, R> fn, Iterable<? extends A> items, int chunksize,
                                                Consumer<? super List<R>> callback, Consumer<? super Throwable> errorCallback) {
        return submitMap(fn, oneArgumentCalls(items, chunksize), false, chunksize, callback, errorCallback, null);
    }

    /**
     * As {@link #mapAsync(Task1, Iterable, int, Consumer, Consumer)}, telling {@code progress}
     * after each chunk how many items have their results (on the callback thread; the last
     * update, done = total, comes before the result is ready). {@code Progress.bar()} draws a bar
     * on a terminal.
     */
    public <A, R> AsyncResult<List<R>> mapAsync(Task1<A, R> fn, Iterable<? extends A> items, int chunksize, Progress progress) {
        Objects.requireNonNull(progress, "progress");
        return submitMap(fn, oneArgumentCalls(items, chunksize), false, chunksize, null, null, progress);
    }

    /**
     * Folds the items in the workers and combines the partial results here (C#'s PLINQ
     * {@code Aggregate(seed, func)}, Java's {@code Stream.reduce(identity, accumulator,
     * combiner)}): each chunk of {@code chunksize} items (0: the map default) is folded from
     * {@code identity} with {@code accumulator} in a worker, and the chunks' results are
     * combined in order with {@code combiner} in this process. {@code identity} must be an
     * identity of {@code combiner}; with no items the result is {@code identity}.
     */
    public <A, R> R aggregate(Iterable<? extends A> items, R identity, Task2<R, A, R> accumulator,
                              java.util.function.BinaryOperator<R> combiner, int chunksize)
            throws InterruptedException, ExecutionException {
        Objects.requireNonNull(accumulator, "accumulator");
        Objects.requireNonNull(combiner, "combiner");
        checkChunksizeOrDefault(chunksize);
        List<A> all = new ArrayList<>();
        for (A a : Objects.requireNonNull(items, "items")) {
            all.add(a);
        }
        if (all.isEmpty()) {
            return identity;
        }
        int size = chunksize > 0 ? chunksize : defaultChunksize(all.size());
        List<Object[]> chunks = new ArrayList<>();
        for (int start = 0; start < all.size(); start += size) {
            chunks.add(new Object[] {new ArrayList<>(all.subList(start, Math.min(all.size(), start + size)))});
        }
        codec.register(Codec.declaringClassOf(accumulator, accumulator.getClass().getClassLoader()));
        Task1<ArrayList<A>, R> fold = chunk -> {
            R acc = identity;
            for (A a : chunk) {
                acc = accumulator.apply(acc, a);
            }
            return acc;
        };
        List<R> partials = this.<R>submitMap(fold, chunks, true, 1, null, null, null).get();
        R result = partials.get(0);
        for (int i = 1; i < partials.size(); i++) {
            result = combiner.apply(result, partials.get(i));
        }
        return result;
    }

    /**
     * {@code fn(a, b)} for every pair, in order (CPython: {@code starmap}, for functions of two
     * arguments; {@code Map.entry(a, b)} makes a pair).
     */
    public <A, B, R> List<R> starmap(Task2<A, B, R> fn, Iterable<? extends Map.Entry<? extends A, ? extends B>> pairs)
            throws InterruptedException, ExecutionException {
        return starmapAsync(fn, pairs, 0).get();
    }

    /** As {@link #starmap(Task2, Iterable)}, {@code chunksize} pairs per task. */
    public <A, B, R> List<R> starmap(Task2<A, B, R> fn, Iterable<? extends Map.Entry<? extends A, ? extends B>> pairs,
                                     int chunksize) throws InterruptedException, ExecutionException {
        checkChunksize(chunksize);
        return starmapAsync(fn, pairs, chunksize).get();
    }

    /** Submits a starmap (CPython: {@code starmap_async}); {@code chunksize} 0 means the default. */
    public <A, B, R> AsyncResult<List<R>> starmapAsync(Task2<A, B, R> fn,
                                                       Iterable<? extends Map.Entry<? extends A, ? extends B>> pairs, int chunksize) {
        checkChunksizeOrDefault(chunksize);
        List<Object[]> calls = new ArrayList<>();
        for (Map.Entry<? extends A, ? extends B> e : Objects.requireNonNull(pairs, "pairs")) {
            Objects.requireNonNull(e, "a pair of starmap is null");
            calls.add(new Object[] {e.getKey(), e.getValue()});
        }
        return submitMap(fn, calls, true, chunksize, null, null, null);
    }

    /**
     * The items of a map as a random-access list (the caller's own list when it is one: it is
     * read, and encoded, before the call returns), after checking {@code chunksize} (0: the
     * default).
     */
    private static List<?> oneArgumentCalls(Iterable<?> items, int chunksize) {
        checkChunksizeOrDefault(chunksize);
        if (Objects.requireNonNull(items, "items") instanceof List<?> list && list instanceof java.util.RandomAccess) {
            return list;
        }
        List<Object> copy = new ArrayList<>();
        items.forEach(copy::add);
        return copy;
    }

    /** A chunk size of 0 means the default; below that is an error. */
    private static void checkChunksizeOrDefault(int chunksize) {
        if (chunksize < 0) {
            checkChunksize(chunksize);
        }
    }

    private static void checkChunksize(int chunksize) {
        if (chunksize < 1) {
            throw new IllegalArgumentException("chunksize must be at least 1, not " + chunksize);
        }
    }

    /** CPython's default chunk size for a map of {@code n} items. */
    int defaultChunksize(int n) {
        int chunks = processes * 4;
        return n == 0 ? 1 : (n + chunks - 1) / chunks;
    }

    /** A map's tasks: {@code calls} holds one argument per call, or the argument arrays when {@code spread}. */
    private <R> AsyncResult<List<R>> submitMap(Serializable fn, List<?> calls, boolean spread, int chunksize,
                                               Consumer<? super List<R>> callback, Consumer<? super Throwable> errorCallback,
                                               Progress progress) {
        Objects.requireNonNull(fn, "fn");
        Fn f = function(fn);
        int size = chunksize > 0 ? chunksize : defaultChunksize(calls.size());
        MapJob<R> job = new MapJob<>(f, calls.size(), size, callback, errorCallback, progress);
        List<PoolTask> tasks = new ArrayList<>((calls.size() + size - 1) / size);
        for (int start = 0; start < calls.size(); start += size) {
            int end = Math.min(calls.size(), start + size);
            long id = taskIds.incrementAndGet();
            tasks.add(new PoolTask(id, job, start, end - start, encodeTask(id, f, calls.subList(start, end), spread)));
        }
        job.tasks = tasks;
        if (tasks.isEmpty()) {
            job.finish();
        } else {
            submit(tasks);
        }
        return job.result;
    }

    // ------------------------------------------------------------------ imap

    /**
     * {@code fn} applied to the items lazily, results in the order of the items as they arrive
     * (CPython: {@code imap}, chunksize 1). The items are read on a thread of the pool as
     * workers need them; a failed task, an item that cannot be serialised or an exception of the
     * items' iterator is thrown by {@code next()} at its place, as a {@link java.util.concurrent.CompletionException}.
     */
    public <A, R> ResultIterator<R> imap(Task1<A, R> fn, Iterable<? extends A> items) {
        return imap(fn, items, 1);
    }

    /** As {@link #imap(Task1, Iterable)}, {@code chunksize} items per task. */
    public <A, R> ResultIterator<R> imap(Task1<A, R> fn, Iterable<? extends A> items, int chunksize) {
        return submitImap(fn, items, chunksize, true);
    }

    /** As {@link #imap(Task1, Iterable)}, results in the order they complete (CPython: {@code imap_unordered}). */
    public <A, R> ResultIterator<R> imapUnordered(Task1<A, R> fn, Iterable<? extends A> items) {
        return imapUnordered(fn, items, 1);
    }

    /** As {@link #imapUnordered(Task1, Iterable)}, {@code chunksize} items per task. */
    public <A, R> ResultIterator<R> imapUnordered(Task1<A, R> fn, Iterable<? extends A> items, int chunksize) {
        return submitImap(fn, items, chunksize, false);
    }

    private <A, R> ResultIterator<R> submitImap(Task1<A, R> fn, Iterable<? extends A> items, int chunksize, boolean ordered) {
        Objects.requireNonNull(fn, "fn");
        Objects.requireNonNull(items, "items");
        checkChunksize(chunksize);
        checkRunning();
        Fn f = function(fn);
        ResultIterator<R> results = new ResultIterator<>(ordered, this::cancelImap);
        Iterator<? extends A> it = items.iterator();
        Thread.ofPlatform().daemon().name("mp4j-pool-" + poolNumber + "-imap").start(() -> feedImap(f, it, chunksize, results));
        return results;
    }

    /** Reads the items of an imap, submitting a task per chunk while fewer than {@link #IMAP_IN_FLIGHT} are unconsumed. */
    private <R> void feedImap(Fn f, Iterator<?> it, int chunksize, ResultIterator<R> results) {
        int chunk = 0;
        try {
            while (true) {
                List<Object> calls = new ArrayList<>(chunksize);
                Throwable itemError = null;
                try {
                    while (calls.size() < chunksize && it.hasNext()) {
                        calls.add(it.next());
                    }
                } catch (RuntimeException | Error e) {
                    itemError = e;
                }
                if (!calls.isEmpty()) {
                    if (!results.awaitRoom(IMAP_IN_FLIGHT)) {
                        return; // cancelled or abandoned
                    }
                    int index = chunk++;
                    long id = taskIds.incrementAndGet();
                    ImapJob<R> job = new ImapJob<>(f, results, index);
                    results.expect(index);
                    try {
                        job.task = new PoolTask(id, job, index, calls.size(), encodeTask(id, f, calls, false));
                        results.track(index, job.task);
                        submit(List.of(job.task));
                    } catch (RuntimeException e) {
                        results.failed(index, e); // not serialisable, or the pool is closed: thrown at its place
                    }
                }
                if (itemError != null) {
                    int index = chunk++;
                    results.expect(index);
                    results.failed(index, itemError);
                    break;
                }
                if (calls.size() < chunksize) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            results.end(chunk);
        }
    }

    private void cancelImap(List<PoolTask> tasks) {
        for (PoolTask t : tasks) {
            cancelTask(t, false);
        }
    }

    // ------------------------------------------------------------------ life cycle

    /**
     * Stops new submissions; submitted tasks still run, then the workers exit (CPython:
     * {@code close}). Does not wait: {@link #join()} does. Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (state == State.RUNNING) {
                state = State.CLOSED;
            }
            wakeAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops now (CPython: {@code terminate}): workers are killed, results not yet complete are
     * cancelled. Idempotent.
     */
    public void terminate() {
        terminateReturningPending();
    }

    /** {@link #terminate()}, returning the tasks that had not been handed to a worker. */
    List<PoolTask> terminateReturningPending() {
        List<Worker> victims;
        List<PoolTask> unfinished = new ArrayList<>();
        List<PoolTask> neverSent = new ArrayList<>();
        lock.lock();
        try {
            if (state == State.TERMINATED) {
                return neverSent;
            }
            state = State.TERMINATED;
            victims = new ArrayList<>(workers);
            for (PoolTask t : pending) {
                if (!t.cancelled) {
                    neverSent.add(t);
                }
            }
            unfinished.addAll(pending);
            pending.clear();
            for (Worker w : victims) {
                unfinished.addAll(w.held);
            }
            wakeAll();
        } finally {
            lock.unlock();
        }
        for (Worker w : victims) {
            w.process.kill();
            w.tasks.close(); // a thread worker, which a kill only interrupts, sees the end of stream
            w.control.close();
        }
        CancellationException cancelled = new CancellationException("the pool was terminated");
        for (PoolTask t : unfinished) {
            t.job.failed(t, cancelled);
        }
        shutdownThreads();
        return neverSent;
    }

    /**
     * Waits until every worker has exited (CPython: {@code join}).
     *
     * @throws IllegalStateException when neither {@link #close()} nor {@link #terminate()} was called
     */
    public void join() throws InterruptedException {
        join(null);
    }

    /**
     * Waits at most {@code timeout} until every worker has exited; returns whether they have.
     *
     * @throws IllegalStateException when neither {@link #close()} nor {@link #terminate()} was called
     */
    public boolean join(Duration timeout) throws InterruptedException {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            if (state == State.RUNNING) {
                throw new IllegalStateException("join() before close() or terminate(): the pool is still running");
            }
            while (!workers.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, 100_000_000L));
            }
        } finally {
            lock.unlock();
        }
        List<Process> all;
        lock.lock();
        try {
            all = new ArrayList<>(ended);
        } finally {
            lock.unlock();
        }
        for (Process p : all) {
            long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
            if (left <= 0 || !p.join(Duration.ofNanos(Math.min(left, Long.MAX_VALUE / 2)))) {
                return false;
            }
        }
        shutdownThreads();
        return true;
    }

    /** Whether {@link #close()} or {@link #terminate()} was called, or the pool broke. */
    public boolean isClosed() {
        lock.lock();
        try {
            return state != State.RUNNING;
        } finally {
            lock.unlock();
        }
    }

    /** The pids of the live workers (for tests and monitoring). */
    public List<Long> workerPids() {
        lock.lock();
        try {
            List<Long> pids = new ArrayList<>();
            for (Worker w : workers) {
                pids.add(w.process.pid());
            }
            return pids;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "Pool[" + state.name().toLowerCase() + ", processes=" + processes + ", workers=" + workers.size()
                    + ", outstanding=" + outstanding + ", " + context.startMethod().methodName() + "]";
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ submission internals

    /** The function's encoding and statistics: the last one is reused while the caller passes the same object. */
    private Fn function(Serializable fn) {
        Fn last = lastFn;
        if (last != null && last.function == fn) {
            return last;
        }
        codec.register(Codec.declaringClassOf(fn, fn.getClass().getClassLoader()));
        Fn f = new Fn(fnIds.incrementAndGet(), fn, codec.encodeFunction(fn));
        lastFn = f;
        return f;
    }

    private byte[] encodeInitializer(Serializable fn, Object[] args) {
        codec.register(Codec.declaringClassOf(fn, fn.getClass().getClassLoader()));
        PoolWire.Out out = new PoolWire.Out(256);
        byte[] f = codec.encodeFunction(fn);
        out.writeInt(f.length).write(f).writeByte(args.length);
        for (Object a : args) {
            PoolWire.writeValue(out, a, codec);
        }
        return out.bytes();
    }

    /**
     * A task as it goes into a batch (see {@link PoolWire}), after {@link #BATCH_HEADER} bytes
     * that make it a batch of one when it is sent alone (so a large task is not copied again);
     * values are checked and written here, in the caller.
     */
    private PoolWire.Out encodeTask(long id, Fn f, List<?> calls, boolean spread) {
        long hint = 32 + calls.size() * 8L;
        for (Object call : calls) {
            if (!spread) {
                hint += copiedLength(call);
            } else {
                for (Object a : (Object[]) call) {
                    hint += copiedLength(a);
                }
            }
        }
        PoolWire.Out out = new PoolWire.Out((int) Math.min(hint, Integer.MAX_VALUE - 64)).byReference();
        out.writeByte(PoolWire.BATCH).writeInt(1);
        int lengthAt = out.size();
        out.writeInt(0);
        out.writeLong(id).writeLong(f.id).writeInt(calls.size());
        for (Object call : calls) {
            if (spread) {
                Object[] args = (Object[]) call;
                out.writeByte(args.length);
                for (Object a : args) {
                    PoolWire.writeValue(out, a, codec);
                }
            } else {
                out.writeByte(1);
                PoolWire.writeValue(out, call, codec);
            }
        }
        if (out.length() > MAX_TASK_BYTES) {
            throw new IllegalArgumentException("a task's arguments come to " + out.length() + " bytes, more than a worker can receive ("
                    + MAX_TASK_BYTES + "): use a smaller chunksize");
        }
        out.putInt(lengthAt, (int) (out.length() - lengthAt - 4));
        return out;
    }

    /** How many bytes of {@code v} {@link #encodeTask} copies up front (large byte arrays are kept by reference). */
    private static int copiedLength(Object v) {
        return v instanceof byte[] b && b.length < PoolWire.Out.REFERENCE_AT ? b.length : 0;
    }

    private void checkRunning() {
        lock.lock();
        try {
            checkRunningLocked();
        } finally {
            lock.unlock();
        }
    }

    private void checkRunningLocked() {
        switch (state) {
            case RUNNING -> { }
            case BROKEN -> throw new IllegalStateException("the pool is broken: " + brokenBy, brokenBy);
            default -> throw new IllegalStateException("the pool is " + (state == State.CLOSED ? "closed" : "terminated")
                    + ": no new tasks (CPython: Pool not running)");
        }
    }

    private void submit(List<PoolTask> tasks) {
        lock.lock();
        try {
            checkRunningLocked();
            pending.addAll(tasks);
            outstanding += tasks.size();
            wakeAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every feeder (cheap: a handful of workers). Caller holds lock. */
    private void wakeAll() {
        for (Worker w : workers) {
            w.wake.signal();
        }
        changed.signalAll();
    }

    /** Whether the pool has nothing left to do after close. Caller holds lock. */
    private boolean drainedLocked() {
        return state == State.CLOSED && outstanding == 0;
    }

    /** The next task for {@code w} by the look-ahead rule of the class doc, or null. Caller holds lock. */
    private PoolTask takeFor(Worker w) {
        while (true) {
            PoolTask t = pending.peekFirst();
            if (t == null) {
                return null;
            }
            if (t.cancelled) {
                pending.pollFirst();
                outstanding--;
                continue;
            }
            if (!w.held.isEmpty()) {
                long perItem = t.fn.itemNanos;
                if (perItem < 0 || w.held.size() >= MAX_AHEAD || (w.heldItems + t.items) * perItem > AHEAD_NANOS) {
                    return null;
                }
            }
            return pending.pollFirst();
        }
    }

    // ------------------------------------------------------------------ workers

    /** One worker process as the pool sees it. */
    private final class Worker {
        final int number;
        final Process process;
        final Connection tasks;
        final Connection control;
        final SharedLongArray status;
        /** Tasks sent and not answered, in the order sent. Guarded by lock. */
        final ArrayDeque<PoolTask> held = new ArrayDeque<>();
        final java.util.concurrent.locks.Condition wake = lock.newCondition();
        /** Guarded by lock. */
        long heldItems;
        int sent;
        boolean retiring;
        boolean gone;
        boolean completedAny;
        /** When the pool kills this worker on purpose: the task it was killed for and why. Guarded by lock. */
        PoolTask killedFor;
        Throwable killReason;
        /** Feeder-thread state: the functions this worker has, oldest first; its allow-list generation. */
        final LinkedHashMap<Long, Boolean> defined = new LinkedHashMap<>();
        int generation;
        /** Reader-thread state: the buffer answers are received into. */
        final PoolWire.Inbox inbox = new PoolWire.Inbox();
        /** Feeder-thread state: the buffer batches are assembled in. */
        PoolWire.Out batchBuffer = new PoolWire.Out(4096);

        Worker(int number, Process process, Connection tasks, Connection control, SharedLongArray status, int generation) {
            this.number = number;
            this.process = process;
            this.tasks = tasks;
            this.control = control;
            this.status = status;
            this.generation = generation;
        }
    }

    private void startWorker() {
        int number;
        lock.lock();
        try {
            number = ++workerCounter;
        } finally {
            lock.unlock();
        }
        Pipe taskPipe = Context.newPipe(true, codec, TASK_PIPE_CAPACITY);
        Pipe controlPipe = context.pipe(false);
        SharedLongArray status = context.rawSharedLongArray(2);
        Process p = context.process(PoolWorker::run, taskPipe.conn2(), controlPipe.conn1(), status);
        p.setName("PoolWorker-" + poolNumber + "." + number);
        p.setDaemon(true);
        PoolWire.Out out = new PoolWire.Out(512).writeByte(PoolWire.CONFIG);
        int generation = codec.generation();
        PoolWire.writeRegistry(out, generation, codec.registeredNames());
        out.writeInt(maxTasksPerChild).writeLong(softLimit == null ? 0 : softLimit.toNanos()).writeLong(memoryLimit);
        out.writeByte(initializer == null ? 0 : 1);
        if (initializer != null) {
            out.write(initializer);
        }
        byte[] config = out.bytes();
        p.start();
        taskPipe.conn2().close();
        controlPipe.conn1().close();
        Worker w = new Worker(number, p, taskPipe.conn1(), controlPipe.conn2(), status, generation);
        try {
            w.control.sendBytes(config);
        } catch (IOException | InterruptedException e) {
            // the worker is already gone: its reader sees the end of stream and handles it
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
        lock.lock();
        try {
            workers.add(w);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        String base = "mp4j-pool-" + poolNumber + "-worker-" + number;
        Thread.ofPlatform().daemon().name(base + "-results").start(() -> read(w));
        Thread.ofPlatform().daemon().name(base + "-tasks").start(() -> feed(w));
    }

    /**
     * The feeder of one worker: sends it the tasks it has room for, several in one batch message,
     * until it is gone or the pool drained.
     */
    private void feed(Worker w) {
        List<PoolTask> batch = new ArrayList<>();
        try {
            while (true) {
                boolean last;
                batch.clear();
                lock.lock();
                try {
                    while (true) {
                        if (w.gone || state == State.TERMINATED || state == State.BROKEN) {
                            return;
                        }
                        if (drainedLocked()) {
                            w.tasks.close(); // the worker sees the end of stream and exits
                            return;
                        }
                        PoolTask t;
                        while (!w.retiring && (maxTasksPerChild == 0 || w.sent < maxTasksPerChild) && (t = takeFor(w)) != null) {
                            w.held.addLast(t);
                            w.heldItems += t.items;
                            w.sent++;
                            t.worker = w;
                            batch.add(t);
                        }
                        if (!batch.isEmpty()) {
                            break;
                        }
                        w.wake.await();
                    }
                    last = maxTasksPerChild > 0 && w.sent >= maxTasksPerChild;
                } finally {
                    lock.unlock();
                }
                send(w, batch);
                if (last) {
                    return; // the worker exits after these tasks; its reader starts the next one
                }
            }
        } catch (IOException | IllegalStateException e) {
            // the worker died or its pipe closed: its reader handles that
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void send(Worker w, List<PoolTask> batch) throws IOException, InterruptedException {
        int generation = codec.generation();
        if (generation != w.generation) {
            w.tasks.sendBytes(PoolWire.registry(generation, codec.registeredNames()));
            w.generation = generation;
        }
        PoolWire.Out[] messages = new PoolWire.Out[batch.size()];
        for (int i = 0; i < messages.length; i++) {
            Fn f = batch.get(i).fn;
            if (w.defined.remove(f.id) == null) {
                if (w.defined.size() >= WORKER_FUNCTIONS) {
                    Iterator<Long> oldest = w.defined.keySet().iterator();
                    long old = oldest.next();
                    oldest.remove();
                    w.tasks.sendBytes(PoolWire.forget(old));
                }
                w.tasks.sendBytes(PoolWire.define(f.id, f.bytes));
            }
            w.defined.put(f.id, Boolean.TRUE);
            messages[i] = batch.get(i).message;
        }
        // one BATCH message per run of tasks that a worker can receive at once (each task can)
        int first = 0;
        long size = BATCH_HEADER;
        for (int i = 0; i < messages.length; i++) {
            long more = messages[i].length() - BATCH_HEADER;
            if (i > first && size + more > MAX_TASK_BYTES) {
                sendBatch(w, messages, first, i, size);
                first = i;
                size = BATCH_HEADER;
            }
            size += more;
        }
        sendBatch(w, messages, first, messages.length, size);
    }

    /** Sends tasks {@code from} to {@code to} (exclusive) of {@code messages} as one BATCH message of {@code size} bytes. */
    private static void sendBatch(Worker w, PoolWire.Out[] messages, int from, int to, long size)
            throws IOException, InterruptedException {
        boolean gathered = false;
        for (int i = from; i < to; i++) {
            gathered |= messages[i].gathered();
        }
        if (to - from == 1 && !gathered) {
            w.tasks.sendBytes(messages[from].buffer(), 0, messages[from].size()); // already a batch of one
            return;
        }
        if (gathered) {
            // large arguments go from the caller's arrays straight into the pipe, not copied here first
            org.multiprocessing4j.internal.ipc.Gather g = new org.multiprocessing4j.internal.ipc.Gather();
            int skip = 0;
            if (to - from > 1) {
                g.add(new PoolWire.Out(BATCH_HEADER).writeByte(PoolWire.BATCH).writeInt(to - from).bytes(), 0, BATCH_HEADER);
                skip = BATCH_HEADER;
            }
            for (int i = from; i < to; i++) {
                messages[i].addTo(g, skip);
            }
            w.tasks.sendGathered(g);
            return;
        }
        PoolWire.Out out = w.batchBuffer;
        out.reset();
        if (out.buf.length < size) {
            out = new PoolWire.Out((int) size);
            if (size <= BATCH_BUFFER_KEPT) {
                w.batchBuffer = out;
            }
        }
        out.writeByte(PoolWire.BATCH).writeInt(to - from);
        for (int i = from; i < to; i++) {
            out.write(messages[i].buffer(), BATCH_HEADER, messages[i].size() - BATCH_HEADER);
        }
        w.tasks.sendBytes(out.buffer(), 0, out.size());
    }

    /** The reader of one worker: its answers until the end of its stream, then what its end means. */
    private void read(Worker w) {
        try {
            while (true) {
                PoolWire.In in = w.inbox.receive(w.tasks);
                switch (in.readByte()) {
                    case PoolWire.RESULTS -> onResults(w, in);
                    case PoolWire.RETIRING -> {
                        lock.lock();
                        try {
                            w.retiring = true;
                        } finally {
                            lock.unlock();
                        }
                    }
                    case PoolWire.INIT_FAILED -> {
                        Throwable cause = PoolWire.readError(in, codec);
                        breakPool(new IllegalStateException("the pool's initializer failed in worker pid " + w.process.pid()
                                + ": " + cause, cause));
                    }
                    default -> throw new IOException("unknown message type " + in.buf[0] + " from pool worker pid " + w.process.pid());
                }
            }
        } catch (EOFException e) {
            // the worker exited or died
        } catch (IOException | RuntimeException e) {
            if (!(e instanceof IllegalStateException && w.tasks.isClosed())) {
                // a malformed or out-of-order answer: this worker cannot be trusted any more
                LOG.warning("pool worker pid %s: %s; it is replaced", w.process.pid(), e);
                w.process.kill();
            } // else the pool closed the pipe itself (drained or terminated): the worker exits on its own
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workerEnded(w);
    }

    /** The answers of one RESULTS message: taken off the worker's list under one lock, then delivered. */
    private void onResults(Worker w, PoolWire.In in) throws IOException {
        int count = in.readInt();
        PoolTask[] tasks = new PoolTask[count];
        lock.lock();
        try {
            for (int i = 0; i < count; i++) {
                PoolTask t = w.held.pollFirst();
                if (t == null) {
                    throw new IOException("pool worker pid " + w.process.pid() + " answered a task it was not given");
                }
                w.heldItems -= t.items;
                tasks[i] = t;
            }
            w.completedAny = true;
            earlyDeaths = 0;
            w.wake.signal();
        } finally {
            lock.unlock();
        }
        for (PoolTask t : tasks) {
            long id = in.readLong();
            if (id != t.id) {
                throw new IOException("pool worker pid " + w.process.pid() + " answered task " + id + " out of order (expected " + t.id + ")");
            }
            long runNanos = in.readLong();
            byte kind = in.readByte();
            if (kind == PoolWire.SKIPPED) {
                finish(t, null, null);
                continue;
            }
            t.fn.observe(runNanos, t.items);
            if (kind == PoolWire.OK) {
                int n = in.readInt();
                List<?> values = null;
                Throwable failure;
                if (t.job instanceof MapJob<?> map) {
                    failure = map.values.read(t.index, n, in, codec); // straight to their place in the result
                } else if (n == 1) { // an apply, or an imap chunk of one
                    try {
                        values = Collections.singletonList(PoolWire.readValue(in, codec));
                        failure = null;
                    } catch (SerializationException e) {
                        failure = e;
                    }
                } else {
                    MapResult part = new MapResult(n, Math.max(n, 1)); // an imap chunk's numbers stay unboxed too
                    failure = part.read(0, n, in, codec);
                    values = part;
                }
                if (failure == null) {
                    finish(t, values, null);
                } else {
                    finishOrRetry(t, failure);
                }
            } else {
                in.readInt(); // the index of the failed call in the chunk
                boolean softLimitHit = in.readByte() != 0;
                Throwable error = PoolWire.readError(in, codec);
                if (softLimitHit) {
                    error = new TaskTimeoutException(false, softLimit, "the task was interrupted in worker pid " + w.process.pid()
                            + " and threw", error);
                }
                finishOrRetry(t, error);
            }
        }
    }

    /** A task's failure: retried by the policy, else final. */
    private void finishOrRetry(PoolTask t, Throwable failure) {
        t.attempts++;
        boolean again;
        lock.lock();
        try {
            again = !t.cancelled && (state == State.RUNNING || state == State.CLOSED) && retry.shouldRetry(failure, t.attempts);
        } finally {
            lock.unlock();
        }
        if (!again) {
            finish(t, null, failure);
            return;
        }
        Duration backoff = retry.backoffAfter(t.attempts);
        LOG.debug("task %s failed (%s); run %s of %s in %s", t.id, failure, t.attempts + 1, retry.maxAttempts(), backoff);
        if (backoff.isZero()) {
            requeue(List.of(t));
        } else {
            timer().schedule(() -> requeue(List.of(t)), backoff.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Puts tasks back at the head of the queue, in order (their worker ended before they started, or a retry). */
    private void requeue(List<PoolTask> tasks) {
        List<PoolTask> dropped = new ArrayList<>();
        lock.lock();
        try {
            if (state == State.TERMINATED || state == State.BROKEN) {
                dropped.addAll(tasks);
            } else {
                for (int i = tasks.size() - 1; i >= 0; i--) {
                    PoolTask t = tasks.get(i);
                    t.worker = null;
                    pending.addFirst(t);
                }
                wakeAll();
            }
        } finally {
            lock.unlock();
        }
        Throwable why = brokenBy != null ? brokenBy : new CancellationException("the pool was terminated");
        for (PoolTask t : dropped) {
            finish(t, null, why);
        }
    }

    /** A task's final outcome: its job is told, the pool counts it done. */
    private void finish(PoolTask t, List<?> values, Throwable failure) {
        t.message = null; // final: it is never sent again
        if (!t.cancelled) {
            if (failure == null) {
                t.job.succeeded(t, values);
            } else {
                t.job.failed(t, failure);
            }
        }
        lock.lock();
        try {
            outstanding--;
            if (drainedLocked()) {
                wakeAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** After a worker's stream ended: what it held is failed, retried or handed on; a replacement starts. */
    private void workerEnded(Worker w) {
        Integer exit = null;
        try {
            if (w.process.join(Duration.ofSeconds(5))) {
                exit = w.process.exitCode().isPresent() ? w.process.exitCode().getAsInt() : null;
            } else {
                w.process.kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long running = w.status.getAndAdd(PoolWorker.RUNNING, 0);
        List<PoolTask> handOn = new ArrayList<>();
        List<PoolTask> lost = new ArrayList<>();
        List<Throwable> lostReasons = new ArrayList<>();
        boolean replace;
        lock.lock();
        try {
            w.gone = true;
            w.wake.signal();
            workers.remove(w);
            ended.add(w.process);
            // the tasks up to the one the status slot names may have run; the others have not
            boolean ran = running != 0 && w.held.stream().anyMatch(t -> t.id == running);
            for (PoolTask t : w.held) {
                if (ran) {
                    lost.add(t);
                    lostReasons.add(w.killedFor == t ? w.killReason : new WorkerLostException(w.process.pid(), exit,
                            t.id == running ? null : "it had run the task, its result was not sent yet"));
                    ran = t.id != running;
                } else if (t.cancelled) {
                    outstanding--;
                } else {
                    handOn.add(t);
                }
            }
            w.held.clear();
            boolean expected = w.retiring || (maxTasksPerChild > 0 && w.sent >= maxTasksPerChild && exit != null && exit == 0)
                    || state != State.RUNNING && state != State.CLOSED || w.killedFor != null;
            // killed from outside (SIGKILL, SIGTERM: the OOM killer, an operator, chaos) is not a worker that cannot start
            boolean killed = exit != null && (exit == -9 || exit == -15);
            if (!expected && !killed && !w.completedAny && ++earlyDeaths >= MAX_EARLY_DEATHS && brokenBy == null) {
                brokenBy = new IllegalStateException(MAX_EARLY_DEATHS + " pool workers in a row ended before completing a task"
                        + " (last: pid " + w.process.pid() + ", exit code " + exit + ")");
            }
            replace = brokenBy == null && (state == State.RUNNING || state == State.CLOSED && outstanding > 0);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < lost.size(); i++) {
            PoolTask t = lost.get(i);
            LOG.info("pool worker pid %s ended (exit code %s) holding task %s, which may have run", w.process.pid(), exit, t.id);
            if (t.cancelled) {
                finish(t, null, null);
            } else {
                finishOrRetry(t, lostReasons.get(i));
            }
        }
        if (!handOn.isEmpty()) {
            requeue(handOn);
        }
        w.tasks.close();
        w.control.close();
        if (brokenBy != null) {
            breakPool(brokenBy);
            return;
        }
        if (replace) {
            try {
                startWorker();
            } catch (RuntimeException | Error e) {
                breakPool(new IllegalStateException("cannot start a replacement pool worker: " + e, e));
            }
        }
    }

    /** The pool cannot go on (initializer failed, workers cannot start): everything unfinished fails. */
    private void breakPool(Throwable why) {
        List<PoolTask> unfinished = new ArrayList<>();
        List<Worker> victims;
        lock.lock();
        try {
            if (state == State.TERMINATED || state == State.BROKEN) {
                return;
            }
            state = State.BROKEN;
            brokenBy = why;
            unfinished.addAll(pending);
            pending.clear();
            victims = new ArrayList<>(workers);
            for (Worker w : victims) {
                unfinished.addAll(w.held);
            }
            wakeAll();
        } finally {
            lock.unlock();
        }
        LOG.warning("pool broken: %s", why);
        for (Worker w : victims) {
            w.process.kill();
            w.tasks.close();
            w.control.close();
        }
        for (PoolTask t : unfinished) {
            t.job.failed(t, why);
        }
        shutdownThreads();
    }

    // ------------------------------------------------------------------ limits and cancellation

    private void enforceHardLimit() {
        long limit = hardLimit.toNanos();
        List<Worker> snapshot;
        lock.lock();
        try {
            snapshot = new ArrayList<>(workers);
        } finally {
            lock.unlock();
        }
        for (Worker w : snapshot) {
            long id = w.status.getAndAdd(PoolWorker.RUNNING, 0);
            if (id == 0) {
                continue;
            }
            long started = w.status.getAndAdd(PoolWorker.STARTED_AT, 0);
            if (System.nanoTime() - started > limit) {
                killFor(w, id, new TaskTimeoutException(true, hardLimit, "worker pid " + w.process.pid() + " was killed", null));
            }
        }
    }

    /** Kills {@code w} because of the task {@code id} it runs, if it still holds it. */
    private void killFor(Worker w, long id, Throwable reason) {
        lock.lock();
        try {
            PoolTask target = null;
            for (PoolTask t : w.held) {
                if (t.id == id) {
                    target = t;
                    break;
                }
            }
            if (w.gone || w.killedFor != null || target == null) {
                return;
            }
            w.killedFor = target;
            w.killReason = reason;
        } finally {
            lock.unlock();
        }
        LOG.info("killing pool worker pid %s: %s", w.process.pid(), reason.getMessage());
        w.process.kill();
    }

    /** Cancels a task: dropped if not sent, else the worker is told; a running one may be interrupted. */
    void cancelTask(PoolTask t, boolean interrupt) {
        Worker w;
        lock.lock();
        try {
            if (t.cancelled) {
                return;
            }
            t.cancelled = true;
            w = t.worker;
        } finally {
            lock.unlock();
        }
        if (w == null) {
            return; // pending: the feeder drops it when it meets it
        }
        try {
            w.control.sendBytes(new PoolWire.Out(16).writeByte(PoolWire.CANCEL).writeLong(t.id).writeByte(interrupt ? 1 : 0).bytes());
        } catch (IOException | IllegalStateException e) {
            return; // the worker is gone; its end hands the task on, and a cancelled one is dropped
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (interrupt) {
            timer().schedule(() -> {
                if (w.status.getAndAdd(PoolWorker.RUNNING, 0) == t.id) {
                    killFor(w, t.id, new CancellationException("cancelled; worker pid " + w.process.pid()
                            + " killed after a grace period of " + cancelGrace));
                }
            }, cancelGrace.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private synchronized ScheduledExecutorService timer() {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(
                    r -> Thread.ofPlatform().daemon().name("mp4j-pool-" + poolNumber + "-timer").unstarted(r));
        }
        return timer;
    }

    private synchronized ExecutorService callbacks() {
        if (callbacks == null) {
            callbacks = Executors.newSingleThreadExecutor(
                    r -> Thread.ofPlatform().daemon().name("mp4j-pool-" + poolNumber + "-callbacks").unstarted(r));
        }
        return callbacks;
    }

    private synchronized void shutdownThreads() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
        if (callbacks != null) {
            callbacks.shutdown(); // callbacks already queued still run
            callbacks = null;
        }
    }

    /** Runs a callback, then completes the result, on the callback thread. */
    private <T> void completeWithCallback(CompletableFuture<T> future, T value, Throwable failure,
                                          Consumer<? super T> callback, Consumer<? super Throwable> errorCallback) {
        Runnable complete = () -> {
            try {
                if (failure == null && callback != null) {
                    callback.accept(value);
                } else if (failure != null && errorCallback != null) {
                    errorCallback.accept(failure);
                }
            } catch (RuntimeException | Error e) {
                LOG.warning("a pool callback threw %s", e);
            }
            if (failure == null) {
                future.complete(value);
            } else {
                future.completeExceptionally(failure);
            }
        };
        if (callback == null && errorCallback == null) {
            complete.run();
            return;
        }
        ExecutorService ex;
        synchronized (this) {
            ex = callbacks != null || state != State.TERMINATED ? callbacks() : null;
        }
        if (ex == null) {
            complete.run();
        } else {
            try {
                ex.execute(complete);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                complete.run();
            }
        }
    }

    // ------------------------------------------------------------------ tasks and jobs

    /** A function submitted to the pool: its encoding, and its measured run time per item. */
    static final class Fn {
        final long id;
        final Serializable function;
        final byte[] bytes;
        /** Mean run time per item (exponentially weighted), -1 until a task has run. */
        volatile long itemNanos = -1;

        Fn(long id, Serializable function, byte[] bytes) {
            this.id = id;
            this.function = function;
            this.bytes = bytes;
        }

        void observe(long runNanos, int items) {
            long perItem = Math.max(1, runNanos / Math.max(1, items));
            long old = itemNanos;
            itemNanos = old < 0 ? perItem : (old * 7 + perItem) / 8;
        }
    }

    /** One message's worth of work: one call, or a chunk of a map. */
    static final class PoolTask {
        final long id;
        final Job job;
        final Fn fn;
        /** The position of its first item in its job. */
        final int index;
        final int items;
        /**
         * The task's message ({@link PoolWire}), a batch of one, with its large byte arrays kept
         * by reference; null once the task is final (a big chunk is not kept until its whole map
         * ends). Written by the thread that makes the task final, read by feeders before.
         */
        volatile PoolWire.Out message;
        /** Runs so far (for retries). Touched by one thread at a time: the one handling its outcome. */
        int attempts;
        /** Guarded by the pool's lock. */
        Worker worker;
        volatile boolean cancelled;

        PoolTask(long id, Job job, int index, int items, PoolWire.Out message) {
            this.id = id;
            this.job = job;
            this.fn = job.fn;
            this.index = index;
            this.items = items;
            this.message = message;
        }
    }

    /** What a task's outcome goes to. */
    abstract static class Job {
        final Fn fn;

        Job(Fn fn) {
            this.fn = fn;
        }

        /** Task {@code t} returned: {@code values}, or null for a map's, which went straight into its {@link MapResult}. */
        abstract void succeeded(PoolTask t, List<?> values);

        abstract void failed(PoolTask t, Throwable failure);
    }

    private final class ApplyJob<R> extends Job {
        final CompletableFuture<R> future = new CompletableFuture<>();
        final AsyncResult<R> result = new AsyncResult<>(future, interrupt -> cancelTask(this.task, interrupt));
        final Consumer<? super R> callback;
        final Consumer<? super Throwable> errorCallback;
        PoolTask task;

        ApplyJob(Fn fn, Consumer<? super R> callback, Consumer<? super Throwable> errorCallback) {
            super(fn);
            this.callback = callback;
            this.errorCallback = errorCallback;
        }

        @Override
        @SuppressWarnings("unchecked")
        void succeeded(PoolTask t, List<?> values) {
            completeWithCallback(future, (R) values.get(0), null, callback, errorCallback);
        }

        @Override
        void failed(PoolTask t, Throwable failure) {
            completeWithCallback(future, null, failure, callback, errorCallback);
        }
    }

    private final class MapJob<R> extends Job {
        final CompletableFuture<List<R>> future = new CompletableFuture<>();
        final AsyncResult<List<R>> result = new AsyncResult<>(future, this::cancel);
        final MapResult values;
        final Consumer<? super List<R>> callback;
        final Consumer<? super Throwable> errorCallback;
        final AtomicInteger remaining = new AtomicInteger();
        final Progress progress;
        volatile List<PoolTask> tasks = List.of();
        private boolean done;

        MapJob(Fn fn, int n, int chunksize, Consumer<? super List<R>> callback, Consumer<? super Throwable> errorCallback,
                Progress progress) {
            super(fn);
            this.values = new MapResult(n, chunksize);
            this.progress = progress;
            this.callback = progress == null ? callback : list -> {
                progress.update(n, n);
                if (callback != null) {
                    callback.accept(list);
                }
            };
            this.errorCallback = errorCallback;
            this.remaining.set(n);
        }

        private void cancel(boolean interrupt) {
            for (PoolTask t : tasks) {
                cancelTask(t, interrupt);
            }
        }

        @Override
        void succeeded(PoolTask t, List<?> chunk) {
            int left = remaining.addAndGet(-t.items); // orders the values' writes before the result is handed out
            if (left == 0) {
                finish();
            } else if (progress != null) {
                int total = values.size();
                callbacks().execute(() -> {
                    int now = total - remaining.get();
                    if (now < total) { // the last update is the result's callback
                        progress.update(now, total);
                    }
                });
            }
        }

        @SuppressWarnings("unchecked")
        void finish() {
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
            }
            completeWithCallback(future, (List<R>) (List<?>) values, null, callback, errorCallback);
        }

        @Override
        void failed(PoolTask t, Throwable failure) {
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
            }
            for (PoolTask other : tasks) {
                if (other != t) {
                    cancelTask(other, false); // CPython goes on with them; their results would be thrown away
                }
            }
            completeWithCallback(future, null, failure, callback, errorCallback);
        }
    }

    private static final class ImapJob<R> extends Job {
        final ResultIterator<R> results;
        final int chunk;
        PoolTask task;

        ImapJob(Fn fn, ResultIterator<R> results, int chunk) {
            super(fn);
            this.results = results;
            this.chunk = chunk;
        }

        @Override
        void succeeded(PoolTask t, List<?> values) {
            results.succeeded(chunk, values);
        }

        @Override
        void failed(PoolTask t, Throwable failure) {
            results.failed(chunk, failure);
        }
    }

    // ------------------------------------------------------------------ builder

    /** The options of a pool; {@link #build()} starts its workers. */
    public static final class Builder {
        private Context context;
        private int processes;
        private Serializable initializer;
        private Object[] initargs = new Object[0];
        private int maxTasksPerChild;
        private Duration softLimit;
        private Duration hardLimit;
        private long memoryLimit;
        private RetryPolicy retry = RetryPolicy.NONE;
        private Duration cancelGrace = Duration.ofSeconds(1);

        private Builder() {}

        /** The context whose processes the workers are (default: {@link Multiprocessing#defaultContext()}). */
        public Builder context(Context context) {
            this.context = Objects.requireNonNull(context, "context");
            return this;
        }

        /** The number of workers (default: {@link Multiprocessing#cpuCount()}). */
        public Builder processes(int processes) {
            if (processes < 1) {
                throw new IllegalArgumentException("processes must be at least 1, not " + processes);
            }
            this.processes = processes;
            return this;
        }

        /** Runs {@code initializer()} in every worker before its first task (CPython: {@code initializer}). */
        public Builder initializer(Target initializer) {
            return setInitializer(initializer);
        }

        /** Runs {@code initializer(a)} in every worker before its first task (CPython: {@code initializer, initargs}). */
        public <A> Builder initializer(Target1<A> initializer, A a) {
            return setInitializer(initializer, a);
        }

        /** Runs {@code initializer(a, b)} in every worker before its first task. */
        public <A, B> Builder initializer(Target2<A, B> initializer, A a, B b) {
            return setInitializer(initializer, a, b);
        }

        private Builder setInitializer(Serializable fn, Object... args) {
            this.initializer = Objects.requireNonNull(fn, "initializer");
            this.initargs = args;
            return this;
        }

        /** A worker exits after this many tasks and a new one takes its place (CPython: {@code maxtasksperchild}). */
        public Builder maxTasksPerChild(int tasks) {
            if (tasks < 1) {
                throw new IllegalArgumentException("maxTasksPerChild must be at least 1, not " + tasks);
            }
            this.maxTasksPerChild = tasks;
            return this;
        }

        /**
         * Time limits per task (either may be null): past {@code soft} the task is interrupted, past
         * {@code hard} its worker is killed (billiard's soft and hard time limits).
         */
        public Builder timeLimits(Duration soft, Duration hard) {
            if (soft != null && (soft.isNegative() || soft.isZero()) || hard != null && (hard.isNegative() || hard.isZero())) {
                throw new IllegalArgumentException("time limits must be positive: " + soft + ", " + hard);
            }
            this.softLimit = soft;
            this.hardLimit = hard;
            return this;
        }

        /**
         * A worker whose resident memory exceeds {@code bytes} after a task exits, and a new one
         * takes its place (billiard's {@code max_memory_per_child}); ignored for threads.
         */
        public Builder memoryLimit(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("memoryLimit must be positive, not " + bytes);
            }
            this.memoryLimit = bytes;
            return this;
        }

        /** What happens to a failed task (default {@link RetryPolicy#NONE}). */
        public Builder retry(RetryPolicy policy) {
            this.retry = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** How long a cancelled running task may go on after its interrupt before its worker is killed (default 1 s). */
        public Builder cancelGrace(Duration grace) {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("cancelGrace must not be negative: " + grace);
            }
            this.cancelGrace = grace;
            return this;
        }

        /** Starts the pool's workers. */
        public Pool build() {
            return new Pool(this);
        }
    }
}
