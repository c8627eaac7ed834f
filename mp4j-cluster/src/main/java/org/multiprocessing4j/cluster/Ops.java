package org.multiprocessing4j.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.multiprocessing4j.Task1;
import org.multiprocessing4j.Task2;
import org.multiprocessing4j.internal.process.Calls;

/**
 * The operations this library sends to members, all {@link IdentifiedDataSerializable} (so no
 * Java serialization is ever needed; {@link ClusterConfig} refuses it): {@link Sync} for the state
 * of synchronisation objects, {@link Apply} and {@link Put} for functions run where a value lives,
 * {@link Call} for pool tasks.
 *
 * <h2>Results of user code</h2>
 * {@link Apply} and {@link Call} never let a user exception leave the member as a Hazelcast
 * error (a client rebuilds only exceptions it knows): they return {@code [0] + value} or
 * {@code [1] + class, message, stack trace}, which {@link #unwrap} turns into the value or a
 * {@link org.multiprocessing4j.RemoteTaskException} in the caller.
 */
final class Ops {
    static final int FACTORY_ID = 0x6d70346a; // "mp4j"
    private static final int SYNC = 1;
    private static final int APPLY = 2;
    private static final int PUT = 3;
    private static final int CALL = 4;

    private Ops() {}

    /** Builds our operations when a member or client reads them. */
    static final class Factory implements DataSerializableFactory {
        @Override
        public IdentifiedDataSerializable create(int typeId) {
            return switch (typeId) {
                case SYNC -> new Sync();
                case APPLY -> new Apply<>();
                case PUT -> new Put<>();
                case CALL -> new Call();
                default -> null;
            };
        }
    }

    /**
     * {@code fn} as the serializable function it must be to run on a member.
     *
     * @throws IllegalArgumentException with a hint, in the caller, when it is not serializable
     */
    static Serializable serializable(Object fn) {
        java.util.Objects.requireNonNull(fn, "function");
        if (fn instanceof Serializable s) {
            return s;
        }
        throw new IllegalArgumentException("the function runs on a cluster member but is not serializable ("
                + fn.getClass().getName() + "): cast the lambda, e.g. (BiFunction<Integer, Integer, Integer> & Serializable) Integer::sum");
    }

    // ---- results of user code ----

    static byte[] ok(Grid grid, Object value) {
        byte[] v = grid.encode(value);
        byte[] out = new byte[v.length + 1];
        System.arraycopy(v, 0, out, 1, v.length);
        return out;
    }

    static byte[] failed(Throwable t) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
        try (DataOutputStream out = new DataOutputStream(buf)) {
            out.writeByte(1);
            StringWriter stack = new StringWriter();
            t.printStackTrace(new PrintWriter(stack));
            out.writeUTF(t.getClass().getName());
            out.writeUTF(truncate(String.valueOf(t.getMessage())));
            out.writeUTF(truncate(stack.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    private static String truncate(String s) {
        return s.length() > 16_000 ? s.substring(0, 16_000) + "..." : s;
    }

    /** The value of an {@link #ok} result, or the remote failure thrown as a {@link org.multiprocessing4j.RemoteTaskException}. */
    static Object unwrap(Grid grid, byte[] result) {
        if (result[0] == 0) {
            return grid.decode(Arrays.copyOfRange(result, 1, result.length));
        }
        try (var in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(result, 1, result.length - 1))) {
            String cls = in.readUTF();
            String message = in.readUTF();
            String stack = in.readUTF();
            throw new org.multiprocessing4j.RemoteTaskException(cls, "null".equals(message) ? null : message, stack);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- synchronisation state ----

    /**
     * An atomic change of one synchronisation object's state ({@code long[]} in {@link Grid#SYNC}),
     * run on the key's owner and, being deterministic, again on its backup. Returns null when
     * the state does not exist.
     */
    static final class Sync implements EntryProcessor<String, long[], long[]>, IdentifiedDataSerializable {
        /** Semaphore [permits, bound]: take one if there is one; returns [1] or [0]. */
        static final int SEM_TRY = 0;
        /** Semaphore: give one back; returns [-1] (and changes nothing) when the bound is reached. */
        static final int SEM_RELEASE = 1;
        /** Event [flag]: set to args[0]. */
        static final int EVENT_SET = 2;
        /** Condition [generation]: a new generation wakes every waiter of the old one. */
        static final int COND_NOTIFY = 3;
        /**
         * Barrier [parties, count, generation, broken, brokenGeneration]: arrive; returns
         * [-1, generation] when broken, [0, generation] for the last party (a new generation
         * starts), [arrival index, generation] otherwise.
         */
        static final int BARRIER_ARRIVE = 4;
        /** Barrier: break generation args[0], or the current one for -1 (a timeout, an abort); later generations stay whole. */
        static final int BARRIER_BREAK = 5;
        /** Barrier: waiters of the current generation are broken; a new, whole generation starts. */
        static final int BARRIER_RESET = 6;
        /** Counter [n]: add args[0]. */
        static final int COUNTER_ADD = 7;
        /** Counter: take one away; returns [-1] (and changes nothing) at zero. */
        static final int COUNTER_DONE = 8;

        private int op;
        private long[] args;

        Sync() {}

        Sync(int op, long[] args) {
            this.op = op;
            this.args = args;
        }

        @Override
        public long[] process(Map.Entry<String, long[]> entry) {
            long[] s = entry.getValue();
            if (s == null) {
                return null;
            }
            s = s.clone();
            long[] result = switch (op) {
                case SEM_TRY -> {
                    if (s[0] > 0) {
                        s[0]--;
                        yield new long[] {1};
                    }
                    yield new long[] {0};
                }
                case SEM_RELEASE -> {
                    if (s[1] >= 0 && s[0] >= s[1]) {
                        yield new long[] {-1};
                    }
                    s[0]++;
                    yield new long[] {s[0]};
                }
                case EVENT_SET -> {
                    s[0] = args[0];
                    yield s;
                }
                case COND_NOTIFY -> {
                    s[0]++;
                    yield s;
                }
                case BARRIER_ARRIVE -> {
                    if (s[3] != 0) {
                        yield new long[] {-1, s[2]};
                    }
                    long gen = s[2];
                    s[1]++;
                    if (s[1] >= s[0]) {
                        s[1] = 0;
                        s[2]++;
                        yield new long[] {0, gen};
                    }
                    yield new long[] {s[0] - s[1], gen};
                }
                case BARRIER_BREAK -> {
                    if ((args[0] < 0 || s[2] == args[0]) && s[3] == 0) {
                        s[3] = 1;
                        s[4] = s[2];
                        s[1] = 0;
                    }
                    yield s;
                }
                case BARRIER_RESET -> {
                    if (s[1] > 0 || s[3] != 0) {
                        s[4] = s[2];
                    }
                    s[2]++;
                    s[1] = 0;
                    s[3] = 0;
                    yield s;
                }
                case COUNTER_ADD -> {
                    s[0] += args[0];
                    yield s;
                }
                case COUNTER_DONE -> {
                    if (s[0] <= 0) {
                        yield new long[] {-1};
                    }
                    s[0]--;
                    yield s;
                }
                default -> throw new IllegalArgumentException("unknown sync operation " + op);
            };
            entry.setValue(s);
            return result;
        }

        @Override
        public int getFactoryId() {
            return FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return SYNC;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeInt(op);
            out.writeLongArray(args);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            op = in.readInt();
            args = in.readLongArray();
        }
    }

    // ---- user functions where the value lives ----

    /**
     * Runs a user function on the member that owns an entry of a byte-array map: dict
     * {@code merge}/{@code compute}/{@code computeIfAbsent}/{@code computeIfPresent}, and the
     * {@code updateAndGet} of values and namespaces. The function runs once, on the owner; the
     * backup receives the resulting bytes ({@link Put}), so a function that is not deterministic
     * cannot make the replicas differ.
     */
    static final class Apply<K> implements EntryProcessor<K, byte[], byte[]>, IdentifiedDataSerializable,
            HazelcastInstanceAware {
        static final int MERGE = 0;
        static final int COMPUTE = 1;
        static final int IF_ABSENT = 2;
        static final int IF_PRESENT = 3;
        /** Task1 old -> new, the old value required. */
        static final int UPDATE = 4;

        private int mode;
        private List<String> registry;
        private byte[] function;
        private byte[] userKey;
        private byte[] argument;
        private transient HazelcastInstance hz;
        private transient boolean changed;
        private transient byte[] newValue;

        Apply() {}

        Apply(int mode, Grid grid, Serializable function, byte[] userKey, byte[] argument) {
            this.mode = mode;
            this.registry = grid.codec.registeredNames();
            this.function = grid.codec.encodeFunction(function);
            this.userKey = userKey;
            this.argument = argument;
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance hz) {
            this.hz = hz;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public byte[] process(Map.Entry<K, byte[]> entry) {
            Grid grid = Grid.onMember(hz, registry);
            try {
                Object fn = grid.codec.decodeFunction(function);
                byte[] oldBytes = entry.getValue();
                Object old = grid.decode(oldBytes);
                Object result;
                switch (mode) {
                    case MERGE -> result = oldBytes == null ? grid.decode(argument)
                            : ((java.util.function.BiFunction) fn).apply(old, grid.decode(argument));
                    case COMPUTE -> result = ((java.util.function.BiFunction) fn).apply(grid.decode(userKey), old);
                    case IF_ABSENT -> {
                        if (oldBytes != null) {
                            return ok(grid, old);
                        }
                        result = ((java.util.function.Function) fn).apply(grid.decode(userKey));
                        if (result == null) {
                            return ok(grid, null);
                        }
                    }
                    case IF_PRESENT -> {
                        if (oldBytes == null) {
                            return ok(grid, null);
                        }
                        result = ((java.util.function.BiFunction) fn).apply(grid.decode(userKey), old);
                    }
                    case UPDATE -> {
                        if (oldBytes == null) {
                            throw new java.util.NoSuchElementException("no value named " + grid.decode(userKey));
                        }
                        result = fn instanceof Task1 t ? t.apply(old) : ((Task2) fn).apply(grid.decode(userKey), old);
                    }
                    default -> throw new IllegalArgumentException("unknown apply mode " + mode);
                }
                newValue = result == null ? null : grid.encode(result);
                changed = true;
                entry.setValue(newValue);
                return ok(grid, result);
            } catch (Throwable t) {
                changed = false;
                return failed(t);
            }
        }

        @Override
        public EntryProcessor<K, byte[], byte[]> getBackupProcessor() {
            return changed ? new Put<>(newValue) : null;
        }

        @Override
        public int getFactoryId() {
            return FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return APPLY;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeInt(mode);
            out.writeStringArray(registry.toArray(String[]::new));
            out.writeByteArray(function);
            out.writeByteArray(userKey);
            out.writeByteArray(argument);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            mode = in.readInt();
            registry = List.of(in.readStringArray());
            function = in.readByteArray();
            userKey = in.readByteArray();
            argument = in.readByteArray();
        }
    }

    /** Sets an entry to given bytes (null removes it): the backup half of {@link Apply}. */
    static final class Put<K> implements EntryProcessor<K, byte[], byte[]>, IdentifiedDataSerializable {
        private byte[] value;

        Put() {}

        Put(byte[] value) {
            this.value = value;
        }

        @Override
        public byte[] process(Map.Entry<K, byte[]> entry) {
            entry.setValue(value);
            return null;
        }

        @Override
        public int getFactoryId() {
            return FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return PUT;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeByteArray(value);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            value = in.readByteArray();
        }
    }

    // ---- pool tasks ----

    /**
     * A pool task: a function and one or more argument lists encoded by the caller's codec, run by
     * a member's task thread, the member's cluster objects at hand for arguments that are cluster
     * objects. One argument list gives the function's result; several (a map chunk) give the list
     * of results, and the first failure fails the chunk.
     */
    static final class Call implements Callable<byte[]>, IdentifiedDataSerializable, HazelcastInstanceAware {
        private List<String> registry;
        private byte[] function;
        private boolean chunk;
        private byte[][] argLists;
        private transient HazelcastInstance hz;

        Call() {}

        Call(Grid grid, Serializable function, List<Object[]> argLists, boolean chunk) {
            this.registry = grid.codec.registeredNames();
            this.function = grid.codec.encodeFunction(function);
            this.chunk = chunk;
            this.argLists = new byte[argLists.size()][];
            for (int i = 0; i < this.argLists.length; i++) {
                this.argLists[i] = grid.encodeAll(argLists.get(i));
            }
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance hz) {
            this.hz = hz;
        }

        @Override
        public byte[] call() {
            Grid grid = Grid.onMember(hz, registry);
            try {
                Object fn = grid.codec.decodeFunction(function);
                if (!chunk) {
                    return ok(grid, Calls.invoke(fn, grid.decodeAll(argLists[0])));
                }
                List<Object> results = new java.util.ArrayList<>(argLists.length);
                for (byte[] a : argLists) {
                    results.add(Calls.invoke(fn, grid.decodeAll(a)));
                }
                return ok(grid, results);
            } catch (Throwable t) {
                return failed(t);
            }
        }

        @Override
        public int getFactoryId() {
            return FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return CALL;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeStringArray(registry.toArray(String[]::new));
            out.writeByteArray(function);
            out.writeBoolean(chunk);
            out.writeInt(argLists.length);
            for (byte[] a : argLists) {
                out.writeByteArray(a);
            }
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            registry = List.of(in.readStringArray());
            function = in.readByteArray();
            chunk = in.readBoolean();
            int n = in.readInt();
            if (n < 0) {
                throw new IOException("bad argument list count " + n);
            }
            argLists = new byte[n][];
            for (int i = 0; i < n; i++) {
                argLists[i] = in.readByteArray();
            }
        }
    }
}
