package org.multiprocessing4j.cluster;

import com.hazelcast.map.IMap;
import java.io.Serial;
import java.io.Serializable;
import java.util.Objects;
import org.multiprocessing4j.Task1;
import org.multiprocessing4j.ValueProxy;

/**
 * A value in the cluster: one entry of {@link Grid#VALUES}. {@link #updateAndGet} runs its
 * function on the member that owns the entry, atomically.
 */
final class ClusterValue<T> implements ValueProxy<T>, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Grid grid;
    private final String name;
    private final transient IMap<String, byte[]> map;

    ClusterValue(Grid grid, String name) {
        this.grid = grid;
        this.name = name;
        this.map = grid.hz.getMap(Grid.VALUES);
    }

    /** Sets the initial value unless the value exists. */
    ClusterValue<T> init(T initial) {
        map.putIfAbsent(name, grid.encode(Objects.requireNonNull(initial, "initial value")));
        return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T get() {
        byte[] b = map.get(name);
        if (b == null) {
            throw new IllegalStateException("cluster value '" + name + "' no longer exists");
        }
        return (T) grid.decode(b);
    }

    @Override
    public void set(T value) {
        map.set(name, grid.encode(Objects.requireNonNull(value, "value")));
    }

    @Override
    @SuppressWarnings("unchecked")
    public T updateAndGet(Task1<T, T> update) {
        return (T) Ops.unwrap(grid, map.executeOnKey(name,
                new Ops.Apply<>(Ops.Apply.UPDATE, grid, Ops.serializable(update), grid.encode(name), null)));
    }

    @Override
    public String toString() {
        return "Value(" + get() + ")";
    }

    String name() {
        return name;
    }

    @Serial
    Object writeReplace() {
        return new ClusterRef(ClusterRef.VALUE, name);
    }
}
