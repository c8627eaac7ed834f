package org.multiprocessing4j;

import java.io.Serial;
import java.io.Serializable;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.ipc.QueueCore;
import org.multiprocessing4j.internal.ipc.Ring;

/**
 * The plain queue of CPython's {@code multiprocessing.SimpleQueue}: {@link #put}, {@link #get},
 * {@link #empty}, {@link #close}. The same shared-memory queue as {@link Queue} (unbounded,
 * any number of producer and consumer processes, a put is in shared memory when it returns),
 * without the {@link java.util.concurrent.BlockingQueue} surface; unlike {@link Queue} it takes
 * {@code null}, so CPython code that puts {@code None} as a sentinel carries over as it is.
 *
 * @param <E> the type of the elements
 */
public final class SimpleQueue<E> implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    final transient QueueCore core;
    private transient volatile boolean closed;

    SimpleQueue(Codec codec) {
        this.core = QueueCore.create(SharedRef.SIMPLE_QUEUE, 0, codec);
        SharedRef.track(this, core.segment());
    }

    SimpleQueue(SharedRef ref, Codec codec) {
        this.core = QueueCore.attach(ref.attach(), codec);
        SharedRef.track(this, core.segment());
    }

    /**
     * Puts an element (CPython: {@code put(obj)}); never waits.
     *
     * @throws SerializationException when it cannot be serialised (nothing is put)
     */
    public void put(E e) {
        checkOpen();
        try {
            core.put(core.encode(e), Long.MAX_VALUE, false);
        } catch (InterruptedException x) {
            throw new AssertionError(x);
        }
    }

    /** Takes the oldest element, waiting for one (CPython: {@code get()}). */
    @SuppressWarnings("unchecked")
    public E get() throws InterruptedException {
        checkOpen();
        Object r = core.take(Long.MAX_VALUE, true);
        if (r == Ring.TIMED_OUT) {
            throw new IllegalStateException("unreachable: no deadline");
        }
        return (E) r;
    }

    /** True when no element waits (CPython: {@code empty()}). */
    public boolean empty() {
        return core.size() == 0;
    }

    /** Closes this handle: this process puts and gets no more through it (CPython: {@code close()}). */
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("SimpleQueue is closed: " + this);
        }
    }

    @Override
    public String toString() {
        return "<SimpleQueue(" + core.segment().name() + ", size=" + core.size() + (closed ? ", closed" : "") + ")>";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SimpleQueue<?> q && q.core.segment().name().equals(core.segment().name());
    }

    @Override
    public int hashCode() {
        return core.segment().name().hashCode();
    }

    /** The serial form (package-private: {@link HandleForm} writes it for process payloads). */
    @Serial
    Object writeReplace() {
        return new SharedRef(SharedRef.SIMPLE_QUEUE, core.segment().name());
    }

    @Serial
    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("a SimpleQueue is deserialised through its SharedRef only");
    }
}
