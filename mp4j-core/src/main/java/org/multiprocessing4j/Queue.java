package org.multiprocessing4j;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.AbstractQueue;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.ipc.QueueCore;
import org.multiprocessing4j.internal.ipc.Ring;
import org.multiprocessing4j.internal.ipc.Wire;
import org.multiprocessing4j.internal.shm.Waits;

/**
 * A first-in first-out queue shared by any number of producer and consumer processes: CPython's
 * {@code multiprocessing.Queue}, as a {@link BlockingQueue}.
 *
 * <pre>{@code
 * Queue<Integer> q = ctx.queue();
 * ctx.process(queue -> { for (int i = 0; i < 10; i++) queue.put(i); queue.put(-1); }, q).start();
 * for (int x; (x = q.take()) != -1; ) System.out.println(x);
 * }</pre>
 *
 * <h2>CPython names and Java names</h2>
 * <table>
 *   <caption>Operations</caption>
 *   <tr><th>CPython</th><th>here</th><th>when full / empty</th></tr>
 *   <tr><td>{@code put(x)}</td><td>{@link #put(Object)}</td><td>waits</td></tr>
 *   <tr><td>{@code put(x, timeout=t)}</td><td>{@link #put(Object, Duration)}</td><td>{@link Full} after t</td></tr>
 *   <tr><td>{@code put_nowait(x)}</td><td>{@link #putNowait}, {@link #add}</td><td>{@link Full}</td></tr>
 *   <tr><td></td><td>{@link #offer(Object)}, {@link #offer(Object, long, TimeUnit)}</td><td>false</td></tr>
 *   <tr><td>{@code get()}</td><td>{@link #get()}, {@link #take()}</td><td>waits</td></tr>
 *   <tr><td>{@code get(timeout=t)}</td><td>{@link #get(Duration)}</td><td>{@link Empty} after t</td></tr>
 *   <tr><td>{@code get_nowait()}</td><td>{@link #getNowait}, {@link #remove()}</td><td>{@link Empty}</td></tr>
 *   <tr><td></td><td>{@link #poll()}, {@link #poll(long, TimeUnit)}</td><td>null</td></tr>
 *   <tr><td>{@code qsize()}, {@code empty()}, {@code full()}</td><td>{@link #qsize()}/{@link #size()}, {@link #empty()}/{@link #isEmpty()}, {@link #full()}</td><td></td></tr>
 * </table>
 * As every {@link BlockingQueue}, it refuses {@code null} elements (use a sentinel value where
 * CPython code puts {@code None}; {@link SimpleQueue} accepts null).
 *
 * <h2>Stronger than CPython</h2>
 * {@code put} writes the message into shared memory before it returns: there is no feeder thread,
 * so the message survives the producer's exit or death, and joining a process that put data never
 * waits for a flush (CPython gh-73983). A producer killed in the middle of a put leaves nothing
 * visible; a consumer killed in the middle of a get leaves the message for the next consumer. The
 * element is serialised in the caller, so an element that cannot be serialised fails in
 * {@code put}, naming its class. Without a {@code maxsize} the queue is unbounded: {@code put}
 * never waits (until the shared-memory file system is full), and the memory a burst of messages
 * takes is given back as they are consumed. A queue keeps the first 4 MiB of its ring (a 64th of
 * the shared-memory file system when that is smaller than 256 MiB, none below 64 MiB) for its
 * whole life, allocated when it is created, and its producers come back there whenever the
 * consumers have caught up with them to within that much: a queue whose consumers keep up reuses
 * the same memory.
 *
 * <h2>Views of the whole queue</h2>
 * {@link #size()} counts the messages put and not yet taken, at one instant. {@link #iterator()}
 * and {@link #contains} see a snapshot of the waiting messages (decoded copies);
 * {@link #remove(Object)} and the iterator's {@code remove} take out the first waiting message
 * equal to the element, wherever it is. All of these hold the consumers' lock while they look.
 *
 * <p>A queue serialises to its segment's name and re-attaches in the receiving process, so it
 * can be passed to child processes and pool workers as an argument. Processes sharing a queue must
 * agree on the allow-list (the same classes registered in the same order), as the processes of one
 * context do.
 *
 * @param <E> the type of the elements
 */
public sealed class Queue<E> extends AbstractQueue<E> implements BlockingQueue<E>, Serializable permits JoinableQueue {
    @Serial
    private static final long serialVersionUID = 1L;

    final transient QueueCore core;
    private final transient int kind;
    private transient volatile boolean closed;

    Queue(int kind, int maxsize, Codec codec) {
        if (maxsize < 0) {
            throw new IllegalArgumentException("maxsize must be >= 0 (0: unbounded), got " + maxsize);
        }
        this.kind = kind;
        this.core = QueueCore.create(kind, maxsize, codec);
        SharedRef.track(this, core.segment());
    }

    Queue(SharedRef ref, Codec codec) {
        this.kind = ref.kind();
        this.core = QueueCore.attach(ref.attach(), codec);
        SharedRef.track(this, core.segment());
    }

    /** Thrown when a queue is full (CPython: {@code queue.Full}). */
    public static final class Full extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Full(String message) {
            super(message);
        }
    }

    /** Thrown when a queue is empty (CPython: {@code queue.Empty}). */
    public static final class Empty extends NoSuchElementException {
        private static final long serialVersionUID = 1L;

        Empty(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- putting

    /** Puts, waiting while the queue is full (CPython: {@code put(obj)}). */
    @Override
    public void put(E e) throws InterruptedException {
        core.put(encode(e), Long.MAX_VALUE, true);
    }

    /**
     * Puts, waiting at most {@code timeout} while the queue is full (CPython: {@code put(obj, timeout=t)}).
     *
     * @throws Full when still full after the timeout
     */
    public void put(E e, Duration timeout) throws InterruptedException {
        if (!core.put(encode(e), Waits.deadline(Math.max(0, timeout.toNanos())), true)) {
            throw new Full("queue full (maxsize " + core.maxMessages() + ") after " + timeout);
        }
    }

    /** Puts if there is room now (CPython: {@code put_nowait(obj)}). @throws Full when full */
    public void putNowait(E e) {
        if (!offer(e)) {
            throw new Full("queue full (maxsize " + core.maxMessages() + ")");
        }
    }

    /** Puts if there is room now; false when full. */
    @Override
    public boolean offer(E e) {
        Wire.Message m = encode(e);
        try {
            return core.put(m, System.nanoTime(), false);
        } catch (InterruptedException x) {
            throw new AssertionError(x);
        }
    }

    /** Puts, waiting at most the timeout for room; false when still full. */
    @Override
    public boolean offer(E e, long timeout, TimeUnit unit) throws InterruptedException {
        return core.put(encode(e), Waits.deadline(Math.max(0, unit.toNanos(timeout))), true);
    }

    /** Puts if there is room now. @throws Full when full */
    @Override
    public boolean add(E e) {
        putNowait(e);
        return true;
    }

    private Wire.Message encode(E e) {
        Objects.requireNonNull(e, "a BlockingQueue does not take null: put a sentinel value (or use a SimpleQueue)");
        checkOpen();
        return core.encode(e);
    }

    // ---------------------------------------------------------------- getting

    /** Takes the oldest element, waiting for one (CPython: {@code get()}). */
    @Override
    public E take() throws InterruptedException {
        checkOpen();
        return cast(core.take(Long.MAX_VALUE, true));
    }

    /** Takes the oldest element, waiting for one (CPython: {@code get()}); the same as {@link #take()}. */
    public E get() throws InterruptedException {
        return take();
    }

    /**
     * Takes the oldest element, waiting at most {@code timeout} (CPython: {@code get(timeout=t)}).
     *
     * @throws Empty when still empty after the timeout
     */
    public E get(Duration timeout) throws InterruptedException {
        checkOpen();
        Object r = core.take(Waits.deadline(Math.max(0, timeout.toNanos())), true);
        if (r == Ring.TIMED_OUT) {
            throw new Empty("queue still empty after " + timeout);
        }
        return cast(r);
    }

    /** Takes the oldest element if there is one now (CPython: {@code get_nowait()}). @throws Empty when empty */
    public E getNowait() {
        E e = poll();
        if (e == null) {
            throw new Empty("queue empty");
        }
        return e;
    }

    /** Takes the oldest element if there is one now, else null. */
    @Override
    public E poll() {
        checkOpen();
        try {
            Object r = core.take(System.nanoTime(), false);
            return r == Ring.TIMED_OUT ? null : cast(r);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Takes the oldest element, waiting at most the timeout; null when still empty. */
    @Override
    public E poll(long timeout, TimeUnit unit) throws InterruptedException {
        checkOpen();
        Object r = core.take(Waits.deadline(Math.max(0, unit.toNanos(timeout))), true);
        return r == Ring.TIMED_OUT ? null : cast(r);
    }

    /** Takes the oldest element if there is one now. @throws Empty when empty */
    @Override
    public E remove() {
        return getNowait();
    }

    /** The oldest element without taking it, or null when empty. */
    @Override
    public E peek() {
        checkOpen();
        Object r = core.peek();
        return r == Ring.TIMED_OUT ? null : cast(r);
    }

    /** The oldest element without taking it. @throws Empty when empty */
    @Override
    public E element() {
        E e = peek();
        if (e == null) {
            throw new Empty("queue empty");
        }
        return e;
    }

    @Override
    public int drainTo(Collection<? super E> c) {
        return drainTo(c, Integer.MAX_VALUE);
    }

    @Override
    public int drainTo(Collection<? super E> c, int maxElements) {
        Objects.requireNonNull(c);
        if (c == this) {
            throw new IllegalArgumentException("cannot drain a queue into itself");
        }
        int n = 0;
        E e;
        while (n < maxElements && (e = poll()) != null) {
            c.add(e);
            n++;
        }
        return n;
    }

    @SuppressWarnings("unchecked")
    private E cast(Object o) {
        return (E) o;
    }

    // ---------------------------------------------------------------- the whole queue

    /** Messages put and not yet taken (CPython: {@code qsize()}, exact here). */
    @Override
    public int size() {
        return (int) Math.min(Integer.MAX_VALUE, core.size());
    }

    /** The same as {@link #size()}. */
    public int qsize() {
        return size();
    }

    /** True when no message waits (CPython: {@code empty()}). */
    public boolean empty() {
        return core.size() == 0;
    }

    @Override
    public boolean isEmpty() {
        return empty();
    }

    /** True when the queue holds {@code maxsize} messages (CPython: {@code full()}); never for an unbounded queue. */
    public boolean full() {
        long max = core.maxMessages();
        return max > 0 && core.size() >= max;
    }

    /** The message limit given at creation, 0 for an unbounded queue. */
    public int maxsize() {
        return (int) core.maxMessages();
    }

    @Override
    public int remainingCapacity() {
        long max = core.maxMessages();
        return max == 0 ? Integer.MAX_VALUE : (int) Math.max(0, max - core.size());
    }

    /** A snapshot of the waiting elements, oldest first; its {@code remove} removes the first waiting message equal to the last element returned. */
    @Override
    public Iterator<E> iterator() {
        checkOpen();
        List<Object> snapshot;
        try {
            snapshot = core.snapshot();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while taking a snapshot of " + this, e);
        }
        Iterator<Object> it = snapshot.iterator();
        return new Iterator<>() {
            private Object last;
            private boolean canRemove;

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public E next() {
                last = it.next();
                canRemove = true;
                return cast(last);
            }

            @Override
            public void remove() {
                if (!canRemove) {
                    throw new IllegalStateException("next() first");
                }
                canRemove = false;
                Queue.this.remove(last);
            }
        };
    }

    /** Removes the first waiting message equal to {@code o}, wherever it is. */
    @Override
    public boolean remove(Object o) {
        if (o == null) {
            return false;
        }
        checkOpen();
        try {
            boolean removed = core.removeFirst(o::equals);
            if (removed) {
                removed();
            }
            return removed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while removing from " + this, e);
        }
    }

    /** Called after a message was removed by {@link #remove(Object)}. */
    void removed() {}

    // ---------------------------------------------------------------- life cycle

    /**
     * Closes this handle (CPython: {@code close()}): this process puts and gets no more through
     * it. Messages already put stay for the other processes. Idempotent.
     */
    public void close() {
        closed = true;
    }

    /** True after {@link #close()}. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * CPython: {@code join_thread()}, which waits for the feeder thread to flush. There is no
     * feeder thread here (every put is in shared memory when it returns), so this returns at
     * once; as in CPython, only after {@link #close()}.
     *
     * @throws IllegalStateException when the queue is not closed
     */
    public void joinThread() {
        if (!closed) {
            throw new IllegalStateException("joinThread() before close(): " + this);
        }
    }

    /**
     * CPython: {@code cancel_join_thread()}, which lets a process exit without flushing, losing
     * data. Nothing is ever waiting to be flushed here, so it changes nothing and loses nothing.
     */
    public void cancelJoinThread() {
        // nothing to cancel: puts complete before they return
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Queue is closed: " + this);
        }
    }

    @Override
    public String toString() {
        return "<" + getClass().getSimpleName() + "(" + core.segment().name() + ", size=" + core.size()
                + (core.maxMessages() > 0 ? ", maxsize=" + core.maxMessages() : "") + (closed ? ", closed" : "") + ")>";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Queue<?> q && q.core.segment().name().equals(core.segment().name());
    }

    @Override
    public int hashCode() {
        return core.segment().name().hashCode();
    }

    @Serial
    final Object writeReplace() { // package-private, so that JoinableQueue is replaced too
        return new SharedRef(kind, core.segment().name());
    }

    @Serial
    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("a " + getClass().getSimpleName() + " is deserialised through its SharedRef only");
    }
}
