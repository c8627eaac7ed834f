package org.multiprocessing4j;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;

/**
 * CPython's {@code multiprocessing.Manager()} ({@code SyncManager}): a server process holding
 * dicts, lists, namespaces, queues, locks and the rest, shared by proxies with any process.
 *
 * <pre>{@code
 * try (Manager m = Multiprocessing.manager()) {          // starts the server process
 *     Map<String, Integer> d = m.dict(Map.of("count", 100));
 *     Process p = new Process((Map<String, Integer> dict) -> { dict.put("count", dict.get("count") - 1); }, d);
 *     p.start();
 *     p.join();
 *     System.out.println(d);                               // {count=99}
 * }
 * }</pre>
 *
 * <h2>{@code d[k] += 1} is not atomic</h2>
 * As in CPython, {@code d.put(k, d.get(k) + 1)} is two calls; between them another process may
 * change the entry, and updates are lost (the source texts' 100 processes decrementing a count
 * show it). Either hold a lock across both calls ({@link #lock()}), or send the whole update to
 * the server, where it runs atomically: {@code d.merge(k, 1, fn)}, {@code d.compute(k, fn)},
 * {@link ValueProxy#updateAndGet}, {@link Namespace#updateAndGet}. The function then runs on the
 * server, so it must be serializable ({@code (BiFunction<Integer, Integer, Integer> & Serializable) Integer::sum})
 * and its declaring class registered with the context.
 *
 * <h2>Proxies</h2>
 * See {@link BaseManager} and {@link ManagerProxy}: results are copies (a {@code keySet()} is a
 * snapshot, iteration walks a snapshot), arguments are copies (a list passed to {@code addAll} is
 * sent, not shared), and proxies passed to processes, pool workers or into other managed objects
 * stay proxies of the same object.
 */
public final class Manager extends BaseManager {

    /** A manager with a fresh private Unix socket and the current process's authkey; call {@link #start()}. */
    public Manager() {
        super();
        registerBuiltIns();
    }

    /** A manager at {@code address} with {@code authkey} (see {@link BaseManager#BaseManager(SocketAddress, byte[])}). */
    public Manager(SocketAddress address, byte[] authkey) {
        super(address, authkey);
        registerBuiltIns();
    }

    private void registerBuiltIns() {
        for (String typeid : ManagedObjects.BUILT_IN) {
            registerBuiltIn(typeid);
        }
    }

    @Override
    public Manager start() {
        super.start();
        return this;
    }

    @Override
    public Manager connect() {
        super.connect();
        return this;
    }

    @Override
    public Manager context(Context context) {
        super.context(context);
        return this;
    }

    /** A new empty dict (a {@link java.util.LinkedHashMap} on the server: insertion order, null keys and values). */
    public <K, V> Map<K, V> dict() {
        return create("dict");
    }

    /** A new dict with a copy of {@code initial}. */
    public <K, V> Map<K, V> dict(Map<? extends K, ? extends V> initial) {
        return create("dict", (Object) initial);
    }

    /** A new empty list. */
    public <E> List<E> list() {
        return create("list");
    }

    /** A new list with a copy of {@code initial}. */
    public <E> List<E> list(Collection<? extends E> initial) {
        return create("list", (Object) new java.util.ArrayList<E>(initial));
    }

    /** A new empty namespace. */
    public Namespace namespace() {
        return create("Namespace");
    }

    /** A new unbounded queue. */
    public <E> BlockingQueue<E> queue() {
        return create("Queue");
    }

    /** A new queue of at most {@code maxsize} items ({@code 0}: unbounded). */
    public <E> BlockingQueue<E> queue(int maxsize) {
        return create("Queue", maxsize);
    }

    /** A new unbounded joinable queue. */
    public <E> JoinableQueueProxy<E> joinableQueue() {
        return create("JoinableQueue");
    }

    /** A new joinable queue of at most {@code maxsize} items ({@code 0}: unbounded). */
    public <E> JoinableQueueProxy<E> joinableQueue(int maxsize) {
        return create("JoinableQueue", maxsize);
    }

    /** A new lock (not reentrant; any client may release it, as CPython's Lock). */
    public LockProxy lock() {
        return create("Lock");
    }

    /** A new reentrant lock, owned by the client thread that acquires it. */
    public LockProxy rlock() {
        return create("RLock");
    }

    /** A new semaphore with {@code permits} permits. */
    public SemaphoreProxy semaphore(int permits) {
        return create("Semaphore", permits);
    }

    /** A new bounded semaphore: releasing above {@code permits} is an error. */
    public SemaphoreProxy boundedSemaphore(int permits) {
        return create("BoundedSemaphore", permits);
    }

    /** A new condition over a new reentrant lock. */
    public ConditionProxy condition() {
        return create("Condition");
    }

    /** A new condition over {@code lock}, a lock or rlock of this manager. */
    public ConditionProxy condition(LockProxy lock) {
        return create("Condition", lock);
    }

    /** A new event, not set. */
    public EventProxy event() {
        return create("Event");
    }

    /** A new barrier for {@code parties} parties. */
    public BarrierProxy barrier(int parties) {
        return create("Barrier", parties, null);
    }

    /** A new barrier whose waits time out after {@code timeout} (which breaks it, as CPython's). */
    public BarrierProxy barrier(int parties, Duration timeout) {
        return create("Barrier", parties, timeout);
    }

    /** A new value holding {@code initial} (any allowed value). */
    public <T> ValueProxy<T> value(T initial) {
        return create("Value", initial);
    }

    /** A new array of {@code length} zeros of the type code ({@code 'i'}, {@code 'd'} ...). */
    public ArrayProxy array(char typecode, int length) {
        return create("Array", typecode, new Number[length]);
    }

    /** A new array with the type code and a copy of {@code values}. */
    public ArrayProxy array(char typecode, List<? extends Number> values) {
        return create("Array", typecode, values.toArray(new Number[0]));
    }
}
