package org.multiprocessing4j.cluster;

import com.hazelcast.collection.IQueue;
import java.io.Serial;
import java.io.Serializable;
import java.util.AbstractQueue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A queue in the cluster ({@code IQueue<byte[]>}): elements are encoded by the codec in the
 * caller (an element that may not cross fails there, and nothing is sent) and kept with
 * {@link ClusterConfig#backupCount()} backups, so once {@code put} returns the element survives
 * the loss of that many members. Iteration and {@code toString} read a snapshot.
 */
class ClusterQueue<E> extends AbstractQueue<E> implements BlockingQueue<E>, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    final transient Grid grid;
    final String name;
    final transient IQueue<byte[]> queue;

    ClusterQueue(Grid grid, String name) {
        this.grid = grid;
        this.name = name;
        this.queue = grid.hz.getQueue(name);
    }

    @SuppressWarnings("unchecked")
    final E decode(byte[] b) {
        return (E) grid.decode(b);
    }

    final byte[] encode(E e) {
        return grid.encode(Objects.requireNonNull(e, "a queue holds no null elements"));
    }

    @Override
    public boolean offer(E e) {
        return queue.offer(encode(e));
    }

    @Override
    public void put(E e) throws InterruptedException {
        queue.put(encode(e));
    }

    @Override
    public boolean offer(E e, long timeout, TimeUnit unit) throws InterruptedException {
        return queue.offer(encode(e), timeout, unit);
    }

    @Override
    public E take() throws InterruptedException {
        return decode(queue.take());
    }

    @Override
    public E poll(long timeout, TimeUnit unit) throws InterruptedException {
        return decode(queue.poll(timeout, unit));
    }

    @Override
    public E poll() {
        return decode(queue.poll());
    }

    @Override
    public E peek() {
        return decode(queue.peek());
    }

    @Override
    public int size() {
        return queue.size();
    }

    @Override
    public boolean isEmpty() {
        return queue.isEmpty();
    }

    @Override
    public int remainingCapacity() {
        return queue.remainingCapacity();
    }

    @Override
    public void clear() {
        queue.clear();
    }

    @Override
    public int drainTo(Collection<? super E> c) {
        return drainTo(c, Integer.MAX_VALUE);
    }

    @Override
    public int drainTo(Collection<? super E> c, int maxElements) {
        Objects.requireNonNull(c, "collection");
        if (c == this) {
            throw new IllegalArgumentException("cannot drain a queue into itself");
        }
        List<byte[]> raw = new ArrayList<>();
        int n = queue.drainTo(raw, maxElements);
        for (byte[] b : raw) {
            c.add(decode(b));
        }
        return n;
    }

    /** An iterator over a snapshot; {@code remove} is not supported. */
    @Override
    public Iterator<E> iterator() {
        List<E> snapshot = new ArrayList<>();
        for (byte[] b : queue) {
            snapshot.add(decode(b));
        }
        return Collections.unmodifiableList(snapshot).iterator();
    }

    @Serial
    Object writeReplace() {
        return new ClusterRef(ClusterRef.QUEUE, name);
    }
}
