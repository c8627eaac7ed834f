package org.multiprocessing4j.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.config.QueueConfig;
import com.hazelcast.core.HazelcastInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import org.multiprocessing4j.BarrierProxy;
import org.multiprocessing4j.ConditionProxy;
import org.multiprocessing4j.EventProxy;
import org.multiprocessing4j.JoinableQueueProxy;
import org.multiprocessing4j.LockProxy;
import org.multiprocessing4j.Namespace;
import org.multiprocessing4j.SemaphoreProxy;
import org.multiprocessing4j.ValueProxy;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * The cluster context: the queues, dicts, lists, namespaces, locks, semaphores, events,
 * conditions, barriers and values of a cluster, and a {@link ClusterPool} whose workers are its
 * members, from a client connection in this JVM. The objects have the interfaces of the
 * {@link org.multiprocessing4j.Manager}'s proxies ({@link BlockingQueue}, {@link Map},
 * {@link List}, {@link Namespace}, {@link LockProxy} ...), so code written against those runs on
 * one machine or many by changing where its objects come from.
 *
 * <pre>{@code
 * ClusterConfig config = ClusterConfig.builder(password).members("127.0.0.1:5701", "127.0.0.1:5702").build();
 * try (ClusterContext ctx = ClusterContext.connect(config)) {
 *     BlockingQueue<String> tasks = ctx.queue("tasks");          // shared by name with other clients
 *     Map<String, Integer> counts = ctx.dict("counts");
 *     counts.merge("done", 1, (BiFunction<Integer, Integer, Integer> & Serializable) Integer::sum);
 *     List<Long> pids = ctx.pool().map(Work::run, List.of(1, 2, 3));
 * }
 * }</pre>
 *
 * <h2>Names</h2>
 * Every object has a name, and objects of one kind with the same name are the same object for
 * every client and member: that is how unrelated programs share a queue. The methods without a
 * name make a new, unique one. The first creator's settings win (the permits of a semaphore, the
 * parties of a barrier, the initial value of a value); names starting with {@code mp4j.} are
 * reserved. Objects live until {@link #destroy} or until the whole cluster stops.
 *
 * <h2>Values</h2>
 * Elements and values are encoded by this context's codec (Apache Fory's format behind the
 * allow-list of {@link #register}); a value that may not cross fails in the caller and nothing is
 * sent. A reader decodes with its own allow-list, which must hold the writer's classes. Cluster
 * objects themselves travel inside values and pool tasks by name.
 *
 * <h2>Guarantees</h2>
 * Each object's javadoc (and docs/cluster.md) says what it guarantees. In short: data has
 * {@link ClusterConfig#backupCount()} synchronous backups, so the loss of one member loses
 * nothing that a call had returned; locks are released when their owner's JVM dies; semaphore
 * permits and barrier parties are not; none of it survives a network partition intact (the
 * open-source Hazelcast has no CP subsystem).
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class ClusterContext implements AutoCloseable {
    private final ClusterConfig config;
    private final HazelcastInstance client;
    private final Grid grid;

    private ClusterContext(ClusterConfig config, HazelcastInstance client, Codec codec) {
        this.config = config;
        this.client = client;
        this.grid = new Grid(client, codec);
    }

    /**
     * Connects to the cluster of {@code config} as a client.
     *
     * @throws IllegalStateException naming the addresses when no member answered within
     *     {@link ClusterConfig#connectTimeout()} (or the password differs)
     */
    public static ClusterContext connect(ClusterConfig config) {
        Objects.requireNonNull(config, "config");
        HazelcastInstance client;
        try {
            client = HazelcastClient.newHazelcastClient(config.clientConfig());
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot connect to a cluster at " + config.members() + " within "
                    + config.connectTimeout().toSeconds() + " s (no member there, or another password): " + e.getMessage(), e);
        }
        Codec codec = new Codec(Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : ClusterContext.class.getClassLoader());
        // the serial form and what it resolves to (the reading side's filter sees both)
        codec.register(ClusterRef.class, ClusterQueue.class, ClusterJoinableQueue.class, ClusterDict.class, ClusterList.class,
                ClusterNamespace.class, ClusterValue.class, ClusterLock.class, ClusterSemaphore.class, ClusterEvent.class,
                ClusterCondition.class, ClusterBarrier.class);
        return new ClusterContext(config, client, codec);
    }

    /**
     * Adds classes to this context's allow-list (see {@link org.multiprocessing4j.Context#register}):
     * the classes of values it sends and receives and of the tasks it sends. Members accept a
     * task's values by the allow-list that travels with it.
     *
     * @return this
     */
    public ClusterContext register(Class<?>... classes) {
        grid.codec.register(classes);
        return this;
    }

    /** The configuration this context connected with. */
    public ClusterConfig config() {
        return config;
    }

    /** The addresses ({@code host:port}) of the cluster's members now. */
    public List<String> members() {
        List<String> out = new ArrayList<>();
        client.getCluster().getMembers().forEach(m -> out.add(m.getAddress().getHost() + ":" + m.getAddress().getPort()));
        return out;
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a cluster object's name is blank");
        }
        if (name.startsWith("mp4j.")) {
            throw new IllegalArgumentException("names starting with 'mp4j.' are reserved: '" + name + "'");
        }
        return name;
    }

    // ---- queues ----

    /** The unbounded queue {@code name} (CPython: {@code Queue()}). */
    public <E> BlockingQueue<E> queue(String name) {
        return new ClusterQueue<>(grid, checkName(name));
    }

    /** A new unbounded queue with a unique name. */
    public <E> BlockingQueue<E> queue() {
        return queue(Grid.newName("queue"));
    }

    /**
     * The queue {@code name} of at most {@code maxsize} elements (0: unbounded). The size is part
     * of the cluster's configuration of that name, fixed by its first use.
     *
     * @throws IllegalArgumentException for a negative maxsize
     */
    public <E> BlockingQueue<E> queue(String name, int maxsize) {
        bound(checkName(name), maxsize);
        return new ClusterQueue<>(grid, name);
    }

    private void bound(String name, int maxsize) {
        if (maxsize < 0) {
            throw new IllegalArgumentException("maxsize must not be negative: " + maxsize);
        }
        if (maxsize > 0) {
            client.getConfig().addQueueConfig(new QueueConfig(name).setMaxSize(maxsize).setBackupCount(config.backupCount()));
        }
    }

    /** A {@link org.multiprocessing4j.SimpleQueue}'s cluster counterpart: an unbounded queue {@code name}. */
    public <E> BlockingQueue<E> simpleQueue(String name) {
        return queue(name);
    }

    /** The joinable queue {@code name} (CPython: {@code JoinableQueue()}). */
    public <E> JoinableQueueProxy<E> joinableQueue(String name) {
        return new ClusterJoinableQueue<>(grid, checkName(name));
    }

    /** The joinable queue {@code name} of at most {@code maxsize} elements (0: unbounded). */
    public <E> JoinableQueueProxy<E> joinableQueue(String name, int maxsize) {
        bound(checkName(name), maxsize);
        return new ClusterJoinableQueue<>(grid, name);
    }

    /** A new joinable queue with a unique name. */
    public <E> JoinableQueueProxy<E> joinableQueue() {
        return joinableQueue(Grid.newName("joinableQueue"));
    }

    // ---- dict, list, namespace, value ----

    /** The dict {@code name} (see {@link ClusterDict}: merge/compute run atomically on a member). */
    public <K, V> Map<K, V> dict(String name) {
        return new ClusterDict<>(grid, checkName(name));
    }

    /** A new dict with a unique name. */
    public <K, V> Map<K, V> dict() {
        return dict(Grid.newName("dict"));
    }

    /** The list {@code name}. */
    public <E> List<E> list(String name) {
        return new ClusterList<>(grid, checkName(name));
    }

    /** A new list with a unique name. */
    public <E> List<E> list() {
        return list(Grid.newName("list"));
    }

    /** The namespace {@code name}. */
    public Namespace namespace(String name) {
        return new ClusterNamespace(grid, checkName(name));
    }

    /** A new namespace with a unique name. */
    public Namespace namespace() {
        return namespace(Grid.newName("namespace"));
    }

    /** The value {@code name}, set to {@code initial} unless it exists (CPython: {@code manager.Value}). */
    public <T> ValueProxy<T> value(String name, T initial) {
        return new ClusterValue<T>(grid, checkName(name)).init(initial);
    }

    /** A new value with a unique name. */
    public <T> ValueProxy<T> value(T initial) {
        return value(Grid.newName("value"), initial);
    }

    // ---- synchronisation ----

    /** The lock {@code name} (not reentrant; see {@link ClusterLock} for its guarantees). */
    public LockProxy lock(String name) {
        return new ClusterLock(grid, checkName(name), false);
    }

    /** A new lock with a unique name. */
    public LockProxy lock() {
        return lock(Grid.newName("lock"));
    }

    /** The reentrant lock {@code name}. */
    public LockProxy rlock(String name) {
        return new ClusterLock(grid, checkName(name), true);
    }

    /** A new reentrant lock with a unique name. */
    public LockProxy rlock() {
        return rlock(Grid.newName("rlock"));
    }

    /** The semaphore {@code name} with {@code permits} unless it exists. */
    public SemaphoreProxy semaphore(String name, int permits) {
        return new ClusterSemaphore(grid, checkName(name)).init(permits, false);
    }

    /** A new semaphore with a unique name. */
    public SemaphoreProxy semaphore(int permits) {
        return semaphore(Grid.newName("semaphore"), permits);
    }

    /** The bounded semaphore {@code name}: a release above {@code permits} is an error. */
    public SemaphoreProxy boundedSemaphore(String name, int permits) {
        return new ClusterSemaphore(grid, checkName(name)).init(permits, true);
    }

    /** A new bounded semaphore with a unique name. */
    public SemaphoreProxy boundedSemaphore(int permits) {
        return boundedSemaphore(Grid.newName("boundedSemaphore"), permits);
    }

    /** The event {@code name}, clear unless it exists. */
    public EventProxy event(String name) {
        return new ClusterEvent(grid, checkName(name)).init();
    }

    /** A new event with a unique name. */
    public EventProxy event() {
        return event(Grid.newName("event"));
    }

    /** The condition {@code name} over the reentrant lock {@code name + ".lock"}. */
    public ConditionProxy condition(String name) {
        checkName(name);
        return new ClusterCondition(grid, name, new ClusterLock(grid, name + ".lock", true)).init();
    }

    /** A new condition with a unique name over a new reentrant lock. */
    public ConditionProxy condition() {
        return condition(Grid.newName("condition"));
    }

    /**
     * The condition {@code name} over {@code lock}, a lock or rlock of a cluster context.
     *
     * @throws IllegalArgumentException for any other lock
     */
    public ConditionProxy condition(String name, LockProxy lock) {
        if (!(lock instanceof ClusterLock l)) {
            throw new IllegalArgumentException("not a cluster lock: " + lock + "; use ClusterContext.lock or rlock");
        }
        return new ClusterCondition(grid, checkName(name), l).init();
    }

    /** The barrier {@code name} for {@code parties} unless it exists. */
    public BarrierProxy barrier(String name, int parties) {
        return new ClusterBarrier(grid, checkName(name)).init(parties);
    }

    /** A new barrier with a unique name. */
    public BarrierProxy barrier(int parties) {
        return barrier(Grid.newName("barrier"), parties);
    }

    // ---- pool ----

    /** A pool over the cluster's members; a task is tried on up to 3 members (see {@link ClusterPool}). */
    public ClusterPool pool() {
        return new ClusterPool(grid, 3);
    }

    // ---- lifecycle ----

    /**
     * Removes a cluster object made by this library (from any context) from the cluster, for
     * every client; later calls on it fail or see it anew and empty.
     *
     * @throws IllegalArgumentException when {@code object} is not a cluster object
     */
    public void destroy(Object object) {
        switch (object) {
            case ClusterQueue<?> q -> {
                q.queue.destroy();
                if (q instanceof ClusterJoinableQueue<?>) {
                    grid.sync().delete("jq:" + q.name);
                }
            }
            case ClusterDict<?, ?> d -> client.getMap(d.name()).destroy();
            case ClusterList<?> l -> client.getList(l.name()).destroy();
            case ClusterNamespace n -> client.getMap("mp4j.ns:" + n.name()).destroy();
            case ClusterValue<?> v -> client.getMap(Grid.VALUES).delete(v.name());
            case ClusterLock l -> client.getMap(Grid.LOCKS).forceUnlock(l.name);
            case ClusterSemaphore s -> grid.sync().delete("sem:" + s.name());
            case ClusterEvent e -> grid.sync().delete("event:" + e.name());
            case ClusterCondition c -> grid.sync().delete("cond:" + c.name());
            case ClusterBarrier b -> grid.sync().delete("barrier:" + b.name());
            case null -> throw new NullPointerException("object");
            default -> throw new IllegalArgumentException("not a cluster object: " + object.getClass().getName());
        }
    }

    /** Disconnects from the cluster; the cluster's objects stay. */
    @Override
    public void close() {
        client.shutdown();
    }

    @Override
    public String toString() {
        return "ClusterContext[" + config.members() + "]";
    }
}
