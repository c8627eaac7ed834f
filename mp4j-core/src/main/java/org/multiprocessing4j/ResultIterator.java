package org.multiprocessing4j;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The results of {@link Pool#imap} or {@link Pool#imapUnordered} as they arrive: CPython's
 * {@code IMapIterator}. {@link #next()} waits for the next result; a task that failed is thrown at
 * its place as a {@link CompletionException} whose cause is the task's exception, and iteration
 * may go on past it. {@link #next(Duration)} waits at most a given time (CPython's
 * {@code next(timeout)}). {@link #cancel()} drops the tasks not yet run and stops reading the
 * items.
 *
 * <p>An interrupt while waiting ends the wait with a {@link CompletionException} whose cause is
 * an {@link InterruptedException}, and the thread's interrupt status is set again.
 *
 * <p>One consumer thread at a time; the pool's threads fill it.
 *
 * @param <R> the type of the results
 */
public final class ResultIterator<R> implements Iterator<R>, Iterable<R> {
    private final boolean ordered;
    private final Consumer<List<Pool.PoolTask>> canceller;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Condition room = lock.newCondition();
    /** Outcomes by chunk (ordered mode), or in completion order (unordered). Guarded by lock. */
    private final Map<Integer, Object> byChunk = new HashMap<>();
    private final ArrayDeque<Object> inOrder = new ArrayDeque<>();
    private final Map<Integer, Pool.PoolTask> inFlight = new HashMap<>();
    /** The values of the chunk being consumed. */
    private List<?> current;
    private int currentPos;
    private int nextChunk;
    private int consumedChunks;
    private int submittedChunks;
    /** Chunks in all once the items are all read, else -1. Guarded by lock. */
    private int totalChunks = -1;
    private boolean cancelled;

    ResultIterator(boolean ordered, Consumer<List<Pool.PoolTask>> canceller) {
        this.ordered = ordered;
        this.canceller = canceller;
    }

    private record Failure(Throwable error) {}

    // ---- filled by the pool ----

    /** Chunk {@code chunk} is on its way: its outcome will come, as a value array or a failure. */
    void expect(int chunk) {
        lock.lock();
        try {
            submittedChunks = Math.max(submittedChunks, chunk + 1);
        } finally {
            lock.unlock();
        }
    }

    /** The task that computes {@code chunk}, for {@link #cancel()}. */
    void track(int chunk, Pool.PoolTask task) {
        lock.lock();
        try {
            if (!byChunk.containsKey(chunk)) {
                inFlight.put(chunk, task);
            }
        } finally {
            lock.unlock();
        }
    }

    void succeeded(int chunk, List<?> values) {
        put(chunk, values);
    }

    void failed(int chunk, Throwable error) {
        put(chunk, new Failure(error));
    }

    private void put(int chunk, Object outcome) {
        lock.lock();
        try {
            inFlight.remove(chunk);
            if (byChunk.containsKey(chunk) || chunk < nextChunk && ordered) {
                return; // already there (a late second outcome, e.g. after terminate)
            }
            if (ordered) {
                byChunk.put(chunk, outcome);
            } else {
                byChunk.put(chunk, Boolean.TRUE); // remembered so that a second outcome is ignored
                inOrder.addLast(outcome);
            }
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void end(int chunks) {
        lock.lock();
        try {
            totalChunks = chunks;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits while {@code limit} chunks are submitted and not consumed; false when cancelled. */
    boolean awaitRoom(int limit) throws InterruptedException {
        lock.lock();
        try {
            while (!cancelled && submittedChunks - consumedChunks >= limit) {
                room.await();
            }
            return !cancelled;
        } finally {
            lock.unlock();
        }
    }

    // ---- the consumer's side ----

    @Override
    public Iterator<R> iterator() {
        return this;
    }

    @Override
    public boolean hasNext() {
        try {
            return advance(Long.MAX_VALUE);
        } catch (TimeoutException e) {
            throw new IllegalStateException(e); // no deadline: cannot happen
        }
    }

    @Override
    public R next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more results");
        }
        return take();
    }

    /**
     * The next result, waiting at most {@code timeout} (CPython: {@code next(timeout)}).
     *
     * @throws TimeoutException when no result arrives in time (the iterator stays usable)
     * @throws NoSuchElementException when there are no more results
     */
    public R next(Duration timeout) throws TimeoutException {
        if (!advance(System.nanoTime() + timeout.toNanos())) {
            throw new NoSuchElementException("no more results");
        }
        return take();
    }

    @SuppressWarnings("unchecked")
    private R take() {
        return (R) current.get(currentPos++);
    }

    /**
     * Makes {@link #current} hold a value to take, waiting until {@code deadline}; false at the end.
     * A failed chunk is thrown here.
     */
    private boolean advance(long deadline) throws TimeoutException {
        if (current != null && currentPos < current.size()) {
            return true;
        }
        lock.lock();
        try {
            while (true) {
                Object outcome = null;
                if (ordered) {
                    if (byChunk.containsKey(nextChunk)) {
                        outcome = byChunk.remove(nextChunk);
                        nextChunk++;
                    }
                } else if (!inOrder.isEmpty()) {
                    outcome = inOrder.pollFirst();
                    nextChunk++;
                }
                if (outcome != null) {
                    consumedChunks++;
                    room.signalAll();
                    if (outcome instanceof Failure f) {
                        current = null;
                        throw new CompletionException(f.error());
                    }
                    current = (List<?>) outcome;
                    currentPos = 0;
                    if (!current.isEmpty()) {
                        return true;
                    }
                    continue;
                }
                if (totalChunks >= 0 && nextChunk >= totalChunks || cancelled) {
                    return false;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("no result arrived in time");
                }
                arrived.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        } finally {
            lock.unlock();
        }
    }

    /** Drops the tasks not yet run (running ones finish), stops reading the items and ends the iteration. */
    public void cancel() {
        List<Pool.PoolTask> tasks;
        lock.lock();
        try {
            cancelled = true;
            tasks = new ArrayList<>(inFlight.values());
            inFlight.clear();
            room.signalAll();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        canceller.accept(tasks);
    }
}
