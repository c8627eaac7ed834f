package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of {@link Manager}, run against every start method (the server process and the
 * client processes use it) and both transports: the shared-object contract every backend passes
 * ({@link SharedObjectsContract}, its other processes the workers of a pool of this context),
 * and what only a manager has. Cross-process behaviour is checked with real child processes;
 * every wait has a timeout.
 */
abstract class ManagerContract extends SharedObjectsContract {
    protected Context ctx;
    protected Manager manager;
    private Pool pool;

    abstract StartMethod method();

    /** False: requests stay on the socket (no shared-memory pipe). */
    boolean sharedMemory() {
        return true;
    }

    @BeforeAll
    void start() {
        ctx = Context.builder(method()).warmReserve(2).build();
        ctx.register(ManagerContract.class, SharedObjectsContract.class);
        manager = new Manager();
        manager.context(ctx).sharedMemory(sharedMemory()).start();
        pool = ctx.pool(3);
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (pool != null) {
            pool.close();
            pool.join();
        }
        if (manager != null) {
            manager.close();
        }
        ctx.close();
        Leaks.assertNoChildProcessesWithin(Duration.ofSeconds(10));
        Leaks.assertNoSegmentsOfOtherProcessesWithin(Duration.ofSeconds(10));
    }

    // ---- the shared-object contract's backend ----

    @Override
    protected <K, V> Map<K, V> dict() {
        return manager.dict();
    }

    @Override
    protected <E> List<E> list() {
        return manager.list();
    }

    @Override
    protected <E> BlockingQueue<E> queue() {
        return manager.queue();
    }

    @Override
    protected <E> BlockingQueue<E> boundedQueue(int maxsize) {
        return manager.queue(maxsize);
    }

    @Override
    protected <E> JoinableQueueProxy<E> joinableQueue() {
        return manager.joinableQueue();
    }

    @Override
    protected Namespace namespace() {
        return manager.namespace();
    }

    @Override
    protected <T> ValueProxy<T> value(T initial) {
        return manager.value(initial);
    }

    @Override
    protected LockProxy lock() {
        return manager.lock();
    }

    @Override
    protected LockProxy rlock() {
        return manager.rlock();
    }

    @Override
    protected SemaphoreProxy semaphore(int permits) {
        return manager.semaphore(permits);
    }

    @Override
    protected SemaphoreProxy boundedSemaphore(int permits) {
        return manager.boundedSemaphore(permits);
    }

    @Override
    protected EventProxy event() {
        return manager.event();
    }

    @Override
    protected ConditionProxy condition() {
        return manager.condition();
    }

    @Override
    protected BarrierProxy barrier(int parties) {
        return manager.barrier(parties);
    }

    @Override
    protected <A, R> CompletableFuture<R> elsewhere(Task1<A, R> fn, A a) {
        return pool.applyAsync(fn, a).toCompletableFuture();
    }

    @Override
    protected <A, B, R> CompletableFuture<R> elsewhere(Task2<A, B, R> fn, A a, B b) {
        return pool.applyAsync(fn, a, b).toCompletableFuture();
    }

    private void run(Process p) throws InterruptedException {
        p.start();
        assertTrue(p.join(WAIT), p + " did not end");
        assertEquals(0, p.exitCode().orElseThrow(), p + " failed");
    }

    // ---- dict ----

    @Test
    void dictWorksLikeAMapAndPrintsAsOne() {
        Map<Object, Object> d = manager.dict();
        d.put(1, "1");
        d.put("2", 2);
        d.put(0.25, null);
        assertEquals(3, d.size());
        assertEquals("1", d.get(1));
        assertTrue(d.containsKey(0.25));
        assertNull(d.get(0.25));
        assertEquals("{1=1, 2=2, 0.25=null}", d.toString());
        assertEquals(Set.of(1, "2", 0.25), d.keySet());
        assertEquals(new LinkedHashMap<>(Map.of("2", 2)), new LinkedHashMap<>(Map.of("2", d.get("2"))));
        List<Object> keys = new ArrayList<>();
        d.forEach((k, v) -> keys.add(k));
        assertEquals(List.of(1, "2", 0.25), keys);
        assertEquals(2, d.remove("2"));
        assertEquals(2, d.size());
        assertEquals(Map.of(1, "1"), Map.of(1, d.get(1)));
        Object copy = ((ManagerProxy) d).copyValue();
        assertInstanceOf(LinkedHashMap.class, copy);
        assertEquals(2, ((Map<?, ?>) copy).size());
        d.clear();
        assertTrue(d.isEmpty());
    }

    static void decrement(Map<String, Integer> dict) {
        dict.put("count", dict.get("count") - 1);
    }

    @Test
    void aChildChangesTheDict() throws InterruptedException {
        Map<String, Integer> d = manager.dict(Map.of("count", 100));
        run(ctx.process(ManagerContract::decrement, d));
        assertEquals(99, d.get("count"));
    }

    // ---- list, array and proxies: what only a manager has ----

    @Test
    void listViewsAndStreamsReadSnapshots() {
        List<Integer> l = manager.list(List.of(3, 2, 1, 0));
        assertEquals(List.of(2, 1), l.subList(1, 3));
        assertEquals(6, l.stream().mapToInt(Integer::intValue).sum());
        assertEquals(4, l.toArray(Integer[]::new).length);
    }

    @Test
    void arraysHaveTypecodes() {
        ArrayProxy a = manager.array('i', List.of(1, 2, 3));
        assertEquals(3, a.length());
        a.set(0, 10.7);
        assertEquals(10, a.get(0));
        assertEquals(5, a.addAndGet(2, 2));
        assertEquals(List.of(10, 2, 5), a.toList());
        assertEquals(List.of(0.0, 0.0), manager.array('d', 2).toList());
    }

    @Test
    void aProxyInsideADictComesBackAsAProxyAndConditionsTakeAGivenLock() {
        Map<String, List<String>> d = manager.dict();
        d.put("inner", manager.list());
        assertInstanceOf(ManagerProxy.class, d.get("inner"));
        try (Held h = manager.condition(manager.lock()).hold()) {
            // a condition over a given Lock of the same manager
        }
    }


    // ---- BaseManager with a registered type ----

    /** A user interface served by a registered factory. */
    public interface Counter {
        long add(long delta);

        long value();
    }

    /** The server-side object (never sent: only its proxy travels). */
    static final class CounterImpl implements Counter {
        private long n;

        CounterImpl(long start) {
            n = start;
        }

        @Override
        public synchronized long add(long delta) {
            n += delta;
            return n;
        }

        @Override
        public synchronized long value() {
            return n;
        }
    }

    static void addTen(Counter c) {
        for (int i = 0; i < 10; i++) {
            c.add(1);
        }
    }

    @Test
    void aRegisteredTypeIsMadeByItsFactoryInTheServerProcessAndItsProxyTravels() throws InterruptedException {
        try (BaseManager m = new BaseManager()) {
            m.context(ctx).sharedMemory(sharedMemory())
                    .register("Counter", Counter.class, args -> new CounterImpl(((Number) args[0]).longValue()))
                    .start();
            Counter c = m.create("Counter", 100L);
            assertEquals(101, c.add(1));
            run(ctx.process(ManagerContract::addTen, c));
            assertEquals(111, c.value());
            assertTrue(c.toString().contains("CounterImpl"), c.toString());
            assertEquals("Counter", ((ManagerProxy) c).typeid());
        }
    }

    // ---- errors ----

    interface NotExposed {
        int size();

        int nope(int x);
    }

    @Test
    void unknownTypeidsAndMethodsTheServerDoesNotExposeAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> manager.create("nosuch"));
        assertTrue(e.getMessage().contains("nosuch"), e.getMessage());
        IllegalArgumentException remote = assertThrows(IllegalArgumentException.class,
                () -> manager.create("nosuch", Map.class));
        assertTrue(remote.getMessage().contains("unknown typeid 'nosuch'"), remote.getMessage());
        NotExposed n = manager.create("dict", NotExposed.class);
        assertEquals(0, n.size());
        UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class, () -> n.nope(1));
        assertTrue(u.getMessage().contains("nope(int)") && u.getMessage().contains("'dict'"), u.getMessage());
    }
}
