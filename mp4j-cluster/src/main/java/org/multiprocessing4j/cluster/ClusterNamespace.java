package org.multiprocessing4j.cluster;

import com.hazelcast.map.IMap;
import java.io.Serial;
import java.io.Serializable;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.multiprocessing4j.Namespace;
import org.multiprocessing4j.Task1;

/**
 * A namespace in the cluster: a map of its own ({@code IMap<String, byte[]>}) from attribute
 * names to encoded values. {@link #updateAndGet} runs on the member that owns the attribute.
 */
final class ClusterNamespace implements Namespace, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Grid grid;
    private final String name;
    private final transient IMap<String, byte[]> map;

    ClusterNamespace(Grid grid, String name) {
        this.grid = grid;
        this.name = name;
        this.map = grid.hz.getMap("mp4j.ns:" + name);
    }

    @Override
    public Object get(String attribute) {
        byte[] b = map.get(Objects.requireNonNull(attribute, "name"));
        if (b == null) {
            throw new NoSuchElementException("namespace '" + name + "' has no attribute '" + attribute + "'");
        }
        return grid.decode(b);
    }

    @Override
    public void set(String attribute, Object value) {
        map.set(Objects.requireNonNull(attribute, "name"), grid.encode(value));
    }

    @Override
    public boolean has(String attribute) {
        return map.containsKey(attribute);
    }

    @Override
    public boolean delete(String attribute) {
        return map.remove(attribute) != null;
    }

    @Override
    public Map<String, Object> asMap() {
        Map<String, Object> out = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            out.put(e.getKey(), grid.decode(e.getValue()));
        }
        return out;
    }

    @Override
    public Object updateAndGet(String attribute, Task1<Object, Object> update) {
        Objects.requireNonNull(attribute, "name");
        return Ops.unwrap(grid, map.executeOnKey(attribute,
                new Ops.Apply<>(Ops.Apply.UPDATE, grid, Ops.serializable(update), grid.encode(attribute), null)));
    }

    @Override
    public String toString() {
        return asMap().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", ", "Namespace(", ")"));
    }

    String name() {
        return name;
    }

    @Serial
    Object writeReplace() {
        return new ClusterRef(ClusterRef.NAMESPACE, name);
    }
}
