package org.multiprocessing4j.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.multiprocessing4j.SerializationException;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * One JVM's view of the cluster: a Hazelcast instance (a client in a user's JVM, the member
 * itself in a member JVM) and the codec that turns values into the byte arrays the cluster
 * stores. Every cluster object of this library holds one.
 *
 * <h2>Where things live in the cluster</h2>
 * <ul>
 *   <li>a queue: {@code IQueue<byte[]>} of that name; a list {@code IList<byte[]>}; a dict
 *       {@code IMap<byte[], byte[]>} (keys compared by their encoded form);
 *   <li>{@value #SYNC}: {@code IMap<String, long[]>}, the state of semaphores, events,
 *       conditions, barriers and joinable-queue counters, changed only by {@link Ops.Sync} entry
 *       processors (atomic on the key's partition owner, applied to its backup);
 *   <li>{@value #LOCKS}: the keys whose Hazelcast map locks are the cluster's locks;
 *   <li>{@value #VALUES}: {@code IMap<String, byte[]>} of values; namespaces are maps of their own.
 * </ul>
 *
 * <h2>Waiting</h2>
 * Blocking calls of semaphores, events, barriers, conditions and joins wait for a change of
 * {@value #SYNC}: one entry listener per grid bumps a version and wakes every local waiter, who
 * then reads the state again. A waiter also rereads every {@value #RECHECK_MILLIS} ms, so an
 * event lost while a member fails costs at most that delay, never a hang.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
final class Grid {
    static final String POOL_EXECUTOR = "mp4j.pool";
    static final String SYNC = "mp4j.sync";
    static final String LOCKS = "mp4j.locks";
    static final String VALUES = "mp4j.values";
    static final long RECHECK_MILLIS = 200;

    private static final ThreadLocal<Grid> DECODING = new ThreadLocal<>();
    /** Member-side grids by Hazelcast instance and allow-list. */
    private static final Map<String, Grid> MEMBER_GRIDS = new ConcurrentHashMap<>();

    final HazelcastInstance hz;
    final Codec codec;
    private final Object monitor = new Object();
    private long version; // guarded by monitor
    private volatile UUID listener;

    Grid(HazelcastInstance hz, Codec codec) {
        this.hz = hz;
        this.codec = codec;
    }

    /**
     * The grid of a member for a task or operation sent with the allow-list {@code names}: the
     * sender's allow-list is the one its values are checked against here.
     */
    static Grid onMember(HazelcastInstance hz, List<String> names) {
        String key = hz.getName() + "\u0000" + String.join(",", names);
        ClassLoader configured = hz.getConfig().getClassLoader();
        ClassLoader loader = configured != null ? configured : Grid.class.getClassLoader();
        return MEMBER_GRIDS.computeIfAbsent(key, k -> new Grid(hz, Codec.fromRegistry(names, 0, loader)));
    }

    /** Forgets the member-side grids of an instance that shut down. */
    static void forgetMember(String instanceName) {
        MEMBER_GRIDS.keySet().removeIf(k -> k.startsWith(instanceName + "\u0000"));
    }

    /** The grid whose value is being decoded on this thread (for a cluster object met in it). */
    static Grid decoding() {
        Grid g = DECODING.get();
        if (g == null) {
            throw new IllegalStateException("a cluster object can only be received through the cluster"
                    + " (a cluster queue, dict, list, value or pool task); a local Process or Pool cannot carry it");
        }
        return g;
    }

    // ---- values ----

    /**
     * Encodes a value in the codec's value format (class names behind the allow-list, so a reader
     * whose allow-list holds the writer's reads it).
     *
     * @throws SerializationException in the caller, naming the class, when the value may not cross
     */
    byte[] encode(Object value) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(buf)) {
            codec.writeValue(out, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    /** Encodes several values (a task's arguments) one after the other. */
    byte[] encodeAll(Object[] values) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(buf)) {
            out.writeByte(values.length);
            for (Object v : values) {
                codec.writeValue(out, v);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    /** Decodes what {@link #encodeAll} made. */
    Object[] decodeAll(byte[] bytes) {
        Grid outer = DECODING.get();
        DECODING.set(this);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            Object[] values = new Object[in.readUnsignedByte()];
            for (int i = 0; i < values.length; i++) {
                values[i] = codec.readValue(in);
            }
            return values;
        } catch (IOException e) {
            throw new SerializationException("malformed arguments of " + bytes.length + " bytes from the cluster: " + e.getMessage(), null, e);
        } finally {
            DECODING.set(outer);
        }
    }

    /** Decodes what {@link #encode} made; null bytes are null. */
    Object decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        Grid outer = DECODING.get();
        DECODING.set(this);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return codec.readValue(in);
        } catch (IOException e) {
            throw new SerializationException("malformed value of " + bytes.length + " bytes from the cluster: " + e.getMessage(), null, e);
        } finally {
            DECODING.set(outer);
        }
    }

    // ---- state of synchronisation objects ----

    IMap<String, long[]> sync() {
        return hz.getMap(SYNC);
    }

    /** Creates the state of {@code key} unless it exists (the first creator's settings win). */
    void initSync(String key, long[] initial) {
        sync().putIfAbsent(key, initial);
    }

    /**
     * Runs a {@link Ops.Sync} operation on {@code key}'s state.
     *
     * @throws IllegalStateException when the state is gone
     */
    long[] syncOp(String key, int op, long... args) {
        long[] r = sync().executeOnKey(key, new Ops.Sync(op, args));
        if (r == null) {
            throw gone(key);
        }
        return r;
    }

    /**
     * The state of {@code key}.
     *
     * @throws IllegalStateException when it is gone
     */
    long[] state(String key) {
        long[] s = sync().get(key);
        if (s == null) {
            throw gone(key);
        }
        return s;
    }

    private static IllegalStateException gone(String key) {
        return new IllegalStateException("cluster object '" + key + "' no longer exists (destroyed, or its cluster restarted)");
    }

    /**
     * Waits until {@code done} holds or the deadline passes, rereading after every change of
     * {@value #SYNC} and at least every {@value #RECHECK_MILLIS} ms.
     *
     * @param deadline a {@link System#nanoTime()} value, or {@link Long#MAX_VALUE} for none
     * @return true when {@code done} held
     */
    boolean awaitChange(BooleanSupplier done, long deadline) throws InterruptedException {
        listen();
        for (;;) {
            long seen;
            synchronized (monitor) {
                seen = version;
            }
            if (done.getAsBoolean()) {
                return true;
            }
            long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            long millis = Math.max(1, Math.min(RECHECK_MILLIS, left / 1_000_000));
            synchronized (monitor) {
                if (version == seen) {
                    monitor.wait(millis);
                }
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    private void listen() {
        if (listener != null) {
            return;
        }
        synchronized (monitor) {
            if (listener == null) {
                listener = sync().addEntryListener(new Changes(), false);
            }
        }
    }

    private void changed() {
        synchronized (monitor) {
            version++;
            monitor.notifyAll();
        }
    }

    /** Wakes local waiters at any change of {@value #SYNC}. */
    private final class Changes implements EntryAddedListener<String, long[]>, EntryUpdatedListener<String, long[]>,
            EntryRemovedListener<String, long[]> {
        @Override
        public void entryAdded(EntryEvent<String, long[]> e) {
            changed();
        }

        @Override
        public void entryUpdated(EntryEvent<String, long[]> e) {
            changed();
        }

        @Override
        public void entryRemoved(EntryEvent<String, long[]> e) {
            changed();
        }
    }

    static long deadline(java.time.Duration timeout) {
        long n = timeout.toNanos();
        long now = System.nanoTime();
        return n >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + Math.max(0, n);
    }

    static String newName(String kind) {
        return kind + "-" + UUID.randomUUID();
    }
}
