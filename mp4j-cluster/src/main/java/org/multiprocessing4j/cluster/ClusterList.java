package org.multiprocessing4j.cluster;

import com.hazelcast.collection.IList;
import java.io.Serial;
import java.io.Serializable;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.RandomAccess;

/**
 * A list in the cluster ({@code IList<byte[]>}, kept on one partition with its backups):
 * elements encoded by the codec in the caller; {@code get}, {@code set}, {@code add} and
 * {@code remove} are one call each; iteration, {@code toArray} and {@code toString} read a
 * snapshot. Read-modify-write sequences ({@code sort}, {@code Collections.reverse}) are not
 * atomic: guard them with a cluster lock when others write at the same time.
 */
final class ClusterList<E> extends AbstractList<E> implements RandomAccess, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Grid grid;
    private final String name;
    private final transient IList<byte[]> list;

    ClusterList(Grid grid, String name) {
        this.grid = grid;
        this.name = name;
        this.list = grid.hz.getList(name);
    }

    @SuppressWarnings("unchecked")
    private E decode(byte[] b) {
        return (E) grid.decode(b);
    }

    @Override
    public E get(int index) {
        return decode(list.get(index));
    }

    @Override
    public E set(int index, E element) {
        return decode(list.set(index, grid.encode(element)));
    }

    @Override
    public boolean add(E element) {
        return list.add(grid.encode(element));
    }

    @Override
    public void add(int index, E element) {
        list.add(index, grid.encode(element));
    }

    @Override
    public E remove(int index) {
        return decode(list.remove(index));
    }

    @Override
    public int size() {
        return list.size();
    }

    @Override
    public void clear() {
        list.clear();
    }

    private List<E> snapshot() {
        List<E> out = new ArrayList<>();
        for (byte[] b : list) {
            out.add(decode(b));
        }
        return out;
    }

    /** An iterator over a snapshot; {@code remove} is not supported. */
    @Override
    public Iterator<E> iterator() {
        return Collections.unmodifiableList(snapshot()).iterator();
    }

    @Override
    public Object[] toArray() {
        return snapshot().toArray();
    }

    @Override
    public <T> T[] toArray(T[] a) {
        return snapshot().toArray(a);
    }

    String name() {
        return name;
    }

    @Serial
    Object writeReplace() {
        return new ClusterRef(ClusterRef.LIST, name);
    }
}
