package org.multiprocessing4j.cluster;

import com.hazelcast.map.IMap;
import java.io.Serial;
import java.io.Serializable;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A dict in the cluster ({@code IMap<byte[], byte[]>}): keys and values are encoded by the codec
 * in the caller, and keys are compared by their encoded form (equal strings, numbers and records
 * of them encode alike). Single-key calls are atomic. {@code merge}, {@code compute},
 * {@code computeIfAbsent} and {@code computeIfPresent} run their function on the member that owns
 * the key, atomically (the cluster's answer to CPython's non-atomic {@code d[k] += 1}); the
 * function must be serializable and its class on the member's class path. Views
 * ({@code entrySet}, {@code keySet}, {@code values}) and iteration are snapshots, in no
 * particular order.
 */
final class ClusterDict<K, V> extends AbstractMap<K, V> implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Grid grid;
    private final String name;
    private final transient IMap<byte[], byte[]> map;

    ClusterDict(Grid grid, String name) {
        this.grid = grid;
        this.name = name;
        this.map = grid.hz.getMap(name);
    }

    @SuppressWarnings("unchecked")
    private <T> T decode(byte[] b) {
        return (T) grid.decode(b);
    }

    @Override
    public int size() {
        return map.size();
    }

    @Override
    public boolean isEmpty() {
        return map.isEmpty();
    }

    @Override
    public boolean containsKey(Object key) {
        return map.containsKey(grid.encode(key));
    }

    @Override
    public V get(Object key) {
        return decode(map.get(grid.encode(key)));
    }

    @Override
    public V put(K key, V value) {
        byte[] k = grid.encode(key);
        return decode(map.put(k, grid.encode(value)));
    }

    @Override
    public V remove(Object key) {
        return decode(map.remove(grid.encode(key)));
    }

    @Override
    public void putAll(Map<? extends K, ? extends V> m) {
        Map<byte[], byte[]> encoded = new java.util.HashMap<>();
        for (Map.Entry<? extends K, ? extends V> e : m.entrySet()) {
            encoded.put(grid.encode(e.getKey()), grid.encode(e.getValue()));
        }
        map.putAll(encoded);
    }

    @Override
    public void clear() {
        map.clear();
    }

    @Override
    public V putIfAbsent(K key, V value) {
        byte[] k = grid.encode(key);
        return decode(map.putIfAbsent(k, grid.encode(value)));
    }

    @Override
    public boolean remove(Object key, Object value) {
        byte[] k = grid.encode(key);
        return map.remove(k, grid.encode(value));
    }

    @Override
    public boolean replace(K key, V oldValue, V newValue) {
        byte[] k = grid.encode(key);
        byte[] o = grid.encode(oldValue);
        return map.replace(k, o, grid.encode(newValue));
    }

    @Override
    public V replace(K key, V value) {
        byte[] k = grid.encode(key);
        return decode(map.replace(k, grid.encode(value)));
    }

    @Override
    public V merge(K key, V value, BiFunction<? super V, ? super V, ? extends V> fn) {
        java.util.Objects.requireNonNull(value, "value");
        return apply(Ops.Apply.MERGE, key, fn, grid.encode(value));
    }

    @Override
    public V compute(K key, BiFunction<? super K, ? super V, ? extends V> fn) {
        return apply(Ops.Apply.COMPUTE, key, fn, null);
    }

    @Override
    public V computeIfAbsent(K key, Function<? super K, ? extends V> fn) {
        return apply(Ops.Apply.IF_ABSENT, key, fn, null);
    }

    @Override
    public V computeIfPresent(K key, BiFunction<? super K, ? super V, ? extends V> fn) {
        return apply(Ops.Apply.IF_PRESENT, key, fn, null);
    }

    @SuppressWarnings("unchecked")
    private V apply(int mode, K key, Object fn, byte[] argument) {
        byte[] k = grid.encode(key);
        return (V) Ops.unwrap(grid, map.executeOnKey(k, new Ops.Apply<>(mode, grid, Ops.serializable(fn), k, argument)));
    }

    /** A snapshot of the entries, in no particular order. */
    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        Set<Map.Entry<K, V>> out = new LinkedHashSet<>();
        for (Map.Entry<byte[], byte[]> e : map.entrySet()) {
            out.add(new AbstractMap.SimpleImmutableEntry<>(decode(e.getKey()), decode(e.getValue())));
        }
        return Collections.unmodifiableSet(out);
    }

    String name() {
        return name;
    }

    @Serial
    Object writeReplace() {
        return new ClusterRef(ClusterRef.DICT, name);
    }
}
