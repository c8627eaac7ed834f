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
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of {@link Manager}, written once and run against every start method (the server
 * process and the client processes use it) and both transports. Cross-process behaviour is
 * checked with real child processes; every wait has a timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class ManagerContract {
    static final Duration WAIT = Duration.ofSeconds(60);

    protected Context ctx;
    protected Manager manager;

    abstract StartMethod method();

    /** False: requests stay on the socket (no shared-memory pipe). */
    boolean sharedMemory() {
        return true;
    }

    @BeforeAll
    void start() {
        ctx = Context.builder(method()).warmReserve(2).build();
        ctx.register(ManagerContract.class);
        manager = new Manager();
        manager.context(ctx).sharedMemory(sharedMemory()).start();
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (manager != null) {
            manager.close();
        }
        ctx.close();
        Leaks.assertNoChildProcessesWithin(Duration.ofSeconds(10));
        Leaks.assertNoSegmentsOfOtherProcessesWithin(Duration.ofSeconds(10));
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

    static void mergeMany(Map<String, Integer> dict, Integer times) {
        BiFunction<Integer, Integer, Integer> sum = (BiFunction<Integer, Integer, Integer> & Serializable) Integer::sum;
        for (int i = 0; i < times; i++) {
            dict.merge("n", 1, sum);
        }
    }

    @Test
    void mergeRunsAtomicallyOnTheServer() throws InterruptedException {
        Map<String, Integer> d = manager.dict();
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ps.add(ctx.process(ManagerContract::mergeMany, d, 200));
        }
        ps.forEach(Process::start);
        for (Process p : ps) {
            assertTrue(p.join(WAIT));
            assertEquals(0, p.exitCode().orElseThrow());
        }
        mergeMany(d, 100);
        assertEquals(700, d.get("n"));
    }

    @Test
    void aLambdaThatCannotTravelFailsAtTheCallWithAHint() {
        Map<String, Integer> d = manager.dict();
        d.put("a", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.merge("a", 1, Integer::sum));
        assertTrue(e.getMessage().contains("not serializable"), e.getMessage());
        assertEquals(1, d.get("a"), "the proxy still works and nothing changed");
    }

    @Test
    void anArgumentThatCannotBeSerialisedFailsInTheCallerAndTheProxyGoesOn() {
        Map<String, Object> d = manager.dict();
        assertThrows(SerializationException.class, () -> d.put("t", new Object()));
        d.put("ok", 1);
        assertEquals(Map.of("ok", 1), ((ManagerProxy) d).copyValue());
    }

    // ---- list, namespace, value, array ----

    @Test
    void listBasicsSortAndSnapshots() {
        List<Integer> l = manager.list(List.of(3, 1, 2));
        l.add(0);
        assertEquals(4, l.size());
        l.sort((Comparator<Integer> & Serializable) Integer::compare);
        assertEquals(List.of(0, 1, 2, 3), new ArrayList<>(l));
        java.util.Collections.reverse(l);
        assertEquals("[3, 2, 1, 0]", l.toString());
        List<Integer> sub = l.subList(1, 3);
        assertEquals(List.of(2, 1), sub);
        Iterator<Integer> it = l.iterator();
        assertEquals(3, it.next());
        assertThrows(UnsupportedOperationException.class, it::remove);
        assertEquals(6, l.stream().mapToInt(Integer::intValue).sum());
        assertEquals(4, l.toArray(Integer[]::new).length);
    }

    @Test
    void namespaceValueAndArray() {
        Namespace ns = manager.namespace();
        ns.set("x", 1);
        ns.set("y", "two");
        assertEquals(1, ns.get("x"));
        assertTrue(ns.has("y"));
        assertThrows(NoSuchElementException.class, () -> ns.get("z"));
        assertTrue(ns.delete("y"));
        assertEquals(Map.of("x", 1), ns.asMap());
        assertEquals(2, ns.updateAndGet("x", v -> (Integer) v + 1));
        assertEquals("Namespace(x=2)", ns.toString());

        ValueProxy<Integer> v = manager.value(41);
        assertEquals(42, v.updateAndGet(x -> x + 1));
        v.set(7);
        assertEquals(7, v.get());

        ArrayProxy a = manager.array('i', List.of(1, 2, 3));
        assertEquals(3, a.length());
        a.set(0, 10.7);
        assertEquals(10, a.get(0));
        assertEquals(5, a.addAndGet(2, 2));
        assertEquals(List.of(10, 2, 5), a.toList());
        assertEquals(List.of(0.0, 0.0), manager.array('d', 2).toList());
    }

    // ---- queues ----

    static void produce(BlockingQueue<Integer> q, Integer n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            q.put(i);
        }
    }

    @Test
    void aQueueCarriesItemsFromAChild() throws InterruptedException {
        BlockingQueue<Integer> q = manager.queue();
        Process p = ctx.process(ManagerContract::produce, q, 500);
        p.start();
        long sum = 0;
        for (int i = 0; i < 500; i++) {
            Integer x = q.poll(30, TimeUnit.SECONDS);
            assertTrue(x != null, "item " + i + " did not come");
            sum += x;
        }
        assertTrue(p.join(WAIT));
        assertEquals(499L * 500 / 2, sum);
        assertNull(q.poll(50, TimeUnit.MILLISECONDS));
    }

    @Test
    void aBoundedQueueRefusesWhenFullAndDrainToLosesNothing() throws InterruptedException {
        BlockingQueue<String> q = manager.queue(2);
        assertTrue(q.offer("a"));
        assertTrue(q.offer("b"));
        assertFalse(q.offer("c"));
        assertFalse(q.offer("c", 20, TimeUnit.MILLISECONDS));
        assertEquals(0, q.remainingCapacity());
        List<String> out = new ArrayList<>();
        assertEquals(2, q.drainTo(out));
        assertEquals(List.of("a", "b"), out);
        assertTrue(q.isEmpty());
    }

    static void consume(JoinableQueueProxy<Integer> q, Integer n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            q.take();
            q.taskDone();
        }
    }

    @Test
    void aJoinableQueueJoinsWhenConsumersAreDone() throws InterruptedException {
        JoinableQueueProxy<Integer> q = manager.joinableQueue();
        for (int i = 0; i < 50; i++) {
            q.put(i);
        }
        assertEquals(50, q.unfinishedTasks());
        assertFalse(q.join(Duration.ofMillis(20)));
        Process p = ctx.process(ManagerContract::consume, q, 50);
        p.start();
        assertTrue(q.join(WAIT));
        assertTrue(p.join(WAIT));
        assertThrows(IllegalStateException.class, q::taskDone);
    }

    // ---- synchronisation ----

    static void addUnderLock(Map<String, Integer> d, LockProxy lock, Integer times) {
        for (int i = 0; i < times; i++) {
            try (Held held = lock.hold()) {
                d.put("n", d.get("n") + 1);
            }
        }
    }

    @Test
    void aLockMakesReadModifyWriteExact() throws InterruptedException {
        Map<String, Integer> d = manager.dict(Map.of("n", 0));
        LockProxy lock = manager.lock();
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ps.add(ctx.process(ManagerContract::addUnderLock, d, lock, 100));
        }
        ps.forEach(Process::start);
        for (Process p : ps) {
            assertTrue(p.join(WAIT));
            assertEquals(0, p.exitCode().orElseThrow());
        }
        assertEquals(300, d.get("n"));
        assertTrue(lock.tryLock());
        assertFalse(lock.tryLock(), "a Lock is not reentrant");
        lock.unlock();
        assertThrows(IllegalMonitorStateException.class, lock::unlock);
    }

    static void unlockForeign(LockProxy rlock) {
        try {
            rlock.unlock();
        } catch (IllegalMonitorStateException e) {
            return; // as it should be
        }
        throw new AssertionError("released an RLock another process holds");
    }

    @Test
    void anRLockIsReentrantAndOwned() throws InterruptedException {
        LockProxy r = manager.rlock();
        r.lock();
        r.lock();
        Process p = ctx.process(ManagerContract::unlockForeign, r);
        p.start();
        assertTrue(p.join(WAIT));
        assertEquals(0, p.exitCode().orElseThrow(), "another process may not release it");
        r.unlock();
        r.unlock();
        assertThrows(IllegalMonitorStateException.class, r::unlock);
        assertThrows(UnsupportedOperationException.class, r::newCondition);
    }

    @Test
    void semaphoresCountAndABoundedOneRefusesExtraReleases() throws InterruptedException {
        SemaphoreProxy s = manager.semaphore(2);
        assertTrue(s.tryAcquire());
        assertTrue(s.tryAcquire(Duration.ofMillis(10)));
        assertFalse(s.tryAcquire(Duration.ofMillis(20)));
        s.release();
        s.release();
        s.release(); // a plain semaphore may grow
        assertEquals(3, s.availablePermits());
        SemaphoreProxy b = manager.boundedSemaphore(1);
        try (Held h = b.hold()) {
            assertEquals(0, b.availablePermits());
        }
        assertThrows(IllegalStateException.class, b::release);
    }

    static void setEvent(EventProxy e) {
        e.set();
    }

    @Test
    void anEventIsSetByAChild() throws InterruptedException {
        EventProxy e = manager.event();
        assertFalse(e.isSet());
        assertFalse(e.await(Duration.ofMillis(20)));
        Process p = ctx.process(ManagerContract::setEvent, e);
        p.start();
        assertTrue(e.await(WAIT));
        assertTrue(p.join(WAIT));
        e.clear();
        assertFalse(e.isSet());
    }

    static void notifyCondition(ConditionProxy c, Map<String, Boolean> state) {
        try (Held h = c.hold()) {
            state.put("ready", true);
            c.signalAll();
        }
    }

    @Test
    void aConditionWakesAWaiterInAnotherProcess() throws InterruptedException {
        ConditionProxy c = manager.condition();
        Map<String, Boolean> state = manager.dict(Map.of("ready", false));
        Process p = ctx.process(ManagerContract::notifyCondition, c, state);
        try (Held h = c.hold()) {
            p.start();
            assertTrue(c.waitFor(() -> state.get("ready"), WAIT));
        }
        assertTrue(p.join(WAIT));
        try (Held h = manager.condition(manager.lock()).hold()) {
            // a condition over a given Lock of the same manager
        }
    }

    static void awaitBarrier(BarrierProxy b) throws Exception {
        b.await(WAIT);
    }

    @Test
    void aBarrierReleasesAllPartiesAndCanBeAborted() throws Exception {
        BarrierProxy b = manager.barrier(3);
        Process p1 = ctx.process(ManagerContract::awaitBarrier, b);
        Process p2 = ctx.process(ManagerContract::awaitBarrier, b);
        p1.start();
        p2.start();
        b.await(WAIT);
        assertTrue(p1.join(WAIT));
        assertTrue(p2.join(WAIT));
        assertEquals(0, p1.exitCode().orElseThrow());
        assertEquals(3, b.parties());
        b.abort();
        assertTrue(b.isBroken());
        assertThrows(BrokenBarrierException.class, b::await);
        b.reset();
        assertFalse(b.isBroken());
    }

    // ---- proxies travelling ----

    static void addToInner(Map<String, List<String>> d) {
        d.get("inner").add("from " + Multiprocessing.currentProcess().name());
    }

    @Test
    void aProxyInsideADictStaysAProxy() throws InterruptedException {
        Map<String, List<String>> d = manager.dict();
        List<String> inner = manager.list();
        d.put("inner", inner);
        assertInstanceOf(ManagerProxy.class, d.get("inner"));
        run(ctx.process(ManagerContract::addToInner, d));
        assertEquals(1, inner.size());
        assertTrue(inner.get(0).startsWith("from "));
        assertEquals(d.get("inner"), inner, "the same object: equal proxies");
    }

    static int putAndSquare(BlockingQueue<Integer> q, Integer x) throws InterruptedException {
        q.put(x);
        return x * x;
    }

    @Test
    void aManagedQueueIsSharedWithPoolWorkers() throws Exception {
        BlockingQueue<Integer> q = manager.queue();
        try (Pool pool = ctx.pool(2)) {
            List<AsyncResult<Integer>> rs = new ArrayList<>();
            for (int i = 1; i <= 6; i++) {
                rs.add(pool.applyAsync(ManagerContract::putAndSquare, q, i));
            }
            int sum = 0;
            for (AsyncResult<Integer> r : rs) {
                sum += r.get(WAIT);
            }
            assertEquals(91, sum);
        }
        List<Integer> got = new ArrayList<>();
        q.drainTo(got);
        got.sort(null);
        assertEquals(List.of(1, 2, 3, 4, 5, 6), got);
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
