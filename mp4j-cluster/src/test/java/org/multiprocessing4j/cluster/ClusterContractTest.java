package org.multiprocessing4j.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.multiprocessing4j.BarrierProxy;
import org.multiprocessing4j.ConditionProxy;
import org.multiprocessing4j.EventProxy;
import org.multiprocessing4j.Held;
import org.multiprocessing4j.JoinableQueueProxy;
import org.multiprocessing4j.LockProxy;
import org.multiprocessing4j.Namespace;
import org.multiprocessing4j.RemoteTaskException;
import org.multiprocessing4j.SemaphoreProxy;
import org.multiprocessing4j.SerializationException;
import org.multiprocessing4j.ValueProxy;

/**
 * The contract of the cluster context, on a cluster of 3 member JVMs on 127.0.0.1: the
 * behaviours of the manager contract ({@code ManagerContract} in mp4j-core) that a cluster
 * object shares, with the other side of every cross-process check a pool task running in a
 * member JVM. Every wait has a timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterContractTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    private LocalCluster cluster;
    private ClusterContext ctx;
    private ClusterPool pool;

    @BeforeAll
    void start() throws Exception {
        cluster = LocalCluster.start(3, 4);
        ctx = ClusterContext.connect(cluster.config());
        ctx.register(ClusterContractTest.class);
        pool = ctx.pool();
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (ctx != null) {
            ctx.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    // ---- the cluster ----

    static long pid(Integer ignored) {
        return ProcessHandle.current().pid();
    }

    @Test
    void threeMembersRunPoolTasksEachInItsOwnJvm() throws Exception {
        assertEquals(3, ctx.members().size());
        List<Long> pids = pool.map(ClusterContractTest::pid, List.of(1, 2, 3, 4, 5, 6));
        assertEquals(6, pids.size());
        Set<Long> expected = Set.of(cluster.pids().get(0), cluster.pids().get(1), cluster.pids().get(2));
        assertEquals(expected, new HashSet<>(pids), "tasks go to every member in turn");
        assertFalse(pids.contains(ProcessHandle.current().pid()));
    }

    @Test
    void aWrongPasswordIsRefused() {
        ClusterConfig wrong = ClusterConfig.builder("not the password").members(cluster.members())
                .connectTimeout(Duration.ofSeconds(3)).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClusterContext.connect(wrong));
        assertTrue(e.getMessage().contains(cluster.members().get(0)), e.getMessage());
    }

    // ---- dict ----

    @Test
    void dictWorksLikeAMap() {
        Map<Object, Object> d = ctx.dict();
        d.put(1, "1");
        d.put("2", 2);
        assertEquals(2, d.size());
        assertEquals("1", d.get(1));
        assertTrue(d.containsKey("2"));
        assertNull(d.get(3));
        assertEquals(Set.of(1, "2"), d.keySet());
        assertEquals(Map.of(1, "1", "2", 2), Map.copyOf(d));
        assertEquals(2, d.remove("2"));
        assertEquals(1, d.putIfAbsent(5, 1) == null ? 1 : 0);
        assertTrue(d.replace(5, 1, 6));
        assertEquals(6, d.get(5));
        d.clear();
        assertTrue(d.isEmpty());
    }

    static int mergeMany(Map<String, Integer> dict, Integer times) {
        BiFunction<Integer, Integer, Integer> sum = (BiFunction<Integer, Integer, Integer> & Serializable) Integer::sum;
        for (int i = 0; i < times; i++) {
            dict.merge("n", 1, sum);
        }
        return times;
    }

    @Test
    void mergeRunsAtomicallyOnTheMembers() throws Exception {
        Map<String, Integer> d = ctx.dict();
        List<CompletableFuture<Integer>> rs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            rs.add(pool.applyAsync(ClusterContractTest::mergeMany, d, 100));
        }
        mergeMany(d, 100);
        for (CompletableFuture<Integer> r : rs) {
            assertEquals(100, get(r));
        }
        assertEquals(400, d.get("n"));
        assertEquals(401, d.compute("n", (BiFunction<String, Integer, Integer> & Serializable) (k, v) -> v + 1));
    }

    @Test
    void aLambdaThatCannotTravelOrAValueThatMayNotCrossFailsAtTheCall() {
        Map<String, Object> d = ctx.dict();
        d.put("a", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.merge("a", 1, (a, b) -> a));
        assertTrue(e.getMessage().contains("not serializable"), e.getMessage());
        assertThrows(SerializationException.class, () -> d.put("t", new Object()));
        assertEquals(Map.of("a", 1), Map.copyOf(d), "nothing changed");
    }

    // ---- list, namespace, value ----

    @Test
    void listBasicsSortAndSnapshots() {
        List<Integer> l = ctx.list();
        l.addAll(List.of(3, 1, 2));
        l.add(0);
        assertEquals(4, l.size());
        l.sort(Comparator.naturalOrder());
        assertEquals(List.of(0, 1, 2, 3), new ArrayList<>(l));
        java.util.Collections.reverse(l);
        assertEquals("[3, 2, 1, 0]", l.toString());
        Iterator<Integer> it = l.iterator();
        assertEquals(3, it.next());
        assertThrows(UnsupportedOperationException.class, it::remove);
        assertEquals(2, l.remove(1));
        assertEquals(List.of(3, 1, 0), List.copyOf(l));
    }

    static String addToInner(Map<String, List<String>> d) {
        d.get("inner").add("from " + ProcessHandle.current().pid());
        return "ok";
    }

    @Test
    void aClusterObjectInsideADictStaysOneAndTravelsToMembers() throws Exception {
        Map<String, List<String>> d = ctx.dict();
        List<String> inner = ctx.list();
        d.put("inner", inner);
        assertInstanceOf(ClusterList.class, d.get("inner"));
        assertEquals("ok", pool.apply(ClusterContractTest::addToInner, d));
        assertEquals(1, inner.size());
        assertNotEquals("from " + ProcessHandle.current().pid(), inner.get(0));
    }

    @Test
    void namespaceAndValue() {
        Namespace ns = ctx.namespace();
        ns.set("x", 1);
        ns.set("y", "two");
        assertEquals(1, ns.get("x"));
        assertTrue(ns.has("y"));
        assertThrows(NoSuchElementException.class, () -> ns.get("z"));
        assertTrue(ns.delete("y"));
        assertEquals(Map.of("x", 1), ns.asMap());
        assertEquals(2, ns.updateAndGet("x", v -> (Integer) v + 1));
        assertEquals("Namespace(x=2)", ns.toString());

        ValueProxy<Integer> v = ctx.value(41);
        assertEquals(42, v.updateAndGet(x -> x + 1));
        v.set(7);
        assertEquals(7, v.get());
        RemoteTaskException e = assertThrows(RemoteTaskException.class, () -> v.updateAndGet(x -> x / (x - x)));
        assertEquals(ArithmeticException.class.getName(), e.remoteClassName());
        assertEquals(7, v.get(), "a failed update changes nothing");
    }

    // ---- queues ----

    static int produce(BlockingQueue<Integer> q, Integer n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            q.put(i);
        }
        return n;
    }

    @Test
    void aQueueCarriesItemsFromAMember() throws Exception {
        BlockingQueue<Integer> q = ctx.queue();
        CompletableFuture<Integer> done = pool.applyAsync(ClusterContractTest::produce, q, 300);
        long sum = 0;
        for (int i = 0; i < 300; i++) {
            Integer x = q.poll(30, TimeUnit.SECONDS);
            assertTrue(x != null, "item " + i + " did not come");
            sum += x;
        }
        assertEquals(300, get(done));
        assertEquals(299L * 300 / 2, sum);
        assertNull(q.poll(50, TimeUnit.MILLISECONDS));
    }

    @Test
    void aBoundedQueueRefusesWhenFullAndDrainToLosesNothing() throws InterruptedException {
        BlockingQueue<String> q = ctx.queue("bounded-" + System.nanoTime(), 2);
        assertTrue(q.offer("a"));
        assertTrue(q.offer("b"));
        assertFalse(q.offer("c"));
        assertFalse(q.offer("c", 20, TimeUnit.MILLISECONDS));
        assertEquals(0, q.remainingCapacity());
        List<String> out = new ArrayList<>();
        assertEquals(2, q.drainTo(out));
        assertEquals(List.of("a", "b"), out);
        assertTrue(q.isEmpty());
        assertThrows(NullPointerException.class, () -> q.offer(null));
    }

    static int consume(JoinableQueueProxy<Integer> q, Integer n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            q.take();
            q.taskDone();
        }
        return n;
    }

    @Test
    void aJoinableQueueJoinsWhenConsumersAreDone() throws Exception {
        JoinableQueueProxy<Integer> q = ctx.joinableQueue();
        for (int i = 0; i < 30; i++) {
            q.put(i);
        }
        assertEquals(30, q.unfinishedTasks());
        assertFalse(q.join(Duration.ofMillis(20)));
        CompletableFuture<Integer> c = pool.applyAsync(ClusterContractTest::consume, q, 30);
        assertTrue(q.join(WAIT));
        assertEquals(30, get(c));
        assertThrows(IllegalStateException.class, q::taskDone);
    }

    // ---- synchronisation ----

    static int addUnderLock(Map<String, Integer> d, LockProxy lock) {
        for (int i = 0; i < 30; i++) {
            try (Held held = lock.hold()) {
                d.put("n", d.get("n") + 1);
            }
        }
        return 30;
    }

    @Test
    void aLockMakesReadModifyWriteExact() throws Exception {
        Map<String, Integer> d = ctx.dict();
        d.put("n", 0);
        LockProxy lock = ctx.lock();
        List<CompletableFuture<Integer>> rs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            rs.add(pool.applyAsync(ClusterContractTest::addUnderLock, d, lock));
        }
        for (CompletableFuture<Integer> r : rs) {
            assertEquals(30, get(r));
        }
        assertEquals(90, d.get("n"));
        assertTrue(lock.tryLock());
        assertFalse(lock.tryLock(), "a Lock is not reentrant");
        assertThrows(IllegalStateException.class, lock::lock);
        lock.unlock();
        assertThrows(IllegalMonitorStateException.class, lock::unlock);
    }

    static boolean unlockForeign(LockProxy rlock) {
        try {
            rlock.unlock();
            return false;
        } catch (IllegalMonitorStateException e) {
            return true;
        }
    }

    @Test
    void anRLockIsReentrantAndOwned() throws Exception {
        LockProxy r = ctx.rlock();
        r.lock();
        r.lock();
        assertTrue(pool.apply(ClusterContractTest::unlockForeign, r), "another JVM may not release it");
        r.unlock();
        r.unlock();
        assertThrows(IllegalMonitorStateException.class, r::unlock);
    }

    @Test
    void semaphoresCountAndABoundedOneRefusesExtraReleases() throws InterruptedException {
        SemaphoreProxy s = ctx.semaphore(2);
        assertTrue(s.tryAcquire());
        assertTrue(s.tryAcquire(Duration.ofMillis(10)));
        assertFalse(s.tryAcquire(Duration.ofMillis(20)));
        s.release();
        s.release();
        s.release();
        assertEquals(3, s.availablePermits());
        SemaphoreProxy b = ctx.boundedSemaphore(1);
        try (Held h = b.hold()) {
            assertEquals(0, b.availablePermits());
        }
        assertThrows(IllegalStateException.class, b::release);
    }

    static boolean setEvent(EventProxy e) {
        e.set();
        return true;
    }

    @Test
    void anEventIsSetByAMember() throws Exception {
        EventProxy e = ctx.event();
        assertFalse(e.isSet());
        assertFalse(e.await(Duration.ofMillis(20)));
        CompletableFuture<Boolean> r = pool.applyAsync(ClusterContractTest::setEvent, e);
        assertTrue(e.await(WAIT));
        assertTrue(get(r));
        e.clear();
        assertFalse(e.isSet());
    }

    static boolean notifyCondition(ConditionProxy c, Map<String, Boolean> state) {
        try (Held h = c.hold()) {
            state.put("ready", true);
            c.signalAll();
        }
        return true;
    }

    @Test
    void aConditionWakesAWaiterInAnotherJvm() throws Exception {
        ConditionProxy c = ctx.condition();
        Map<String, Boolean> state = ctx.dict();
        state.put("ready", false);
        try (Held h = c.hold()) {
            CompletableFuture<Boolean> r = pool.applyAsync(ClusterContractTest::notifyCondition, c, state);
            assertTrue(c.waitFor(() -> state.get("ready"), WAIT));
            assertTrue(get(r));
        }
        assertThrows(IllegalMonitorStateException.class, c::signal);
        assertThrows(IllegalMonitorStateException.class, () -> c.await(Duration.ofMillis(1)));
    }

    static int awaitBarrier(BarrierProxy b) throws Exception {
        return b.await(WAIT);
    }

    @Test
    void aBarrierReleasesAllPartiesAndCanBeBroken() throws Exception {
        BarrierProxy b = ctx.barrier(3);
        CompletableFuture<Integer> p1 = pool.applyAsync(ClusterContractTest::awaitBarrier, b);
        CompletableFuture<Integer> p2 = pool.applyAsync(ClusterContractTest::awaitBarrier, b);
        int mine = b.await(WAIT);
        Set<Integer> indices = Set.of(mine, get(p1), get(p2));
        assertEquals(Set.of(0, 1, 2), indices, "arrival indices");
        assertEquals(3, b.parties());
        assertThrows(TimeoutException.class, () -> b.await(Duration.ofMillis(100)));
        assertTrue(b.isBroken(), "a timeout breaks the barrier");
        assertThrows(BrokenBarrierException.class, b::await);
        b.reset();
        assertFalse(b.isBroken());
        b.abort();
        assertTrue(b.isBroken());
    }

    // ---- pool ----

    static int square(Integer x) {
        return x * x;
    }

    static int fail(Integer x) {
        throw new IllegalArgumentException("bad item " + x);
    }

    @Test
    void poolMapsInOrderWithChunksAndReportsTaskErrors() throws Exception {
        List<Integer> items = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            items.add(i);
        }
        List<Integer> squares = items.stream().map(x -> x * x).toList();
        assertEquals(squares, pool.map(ClusterContractTest::square, items));
        assertEquals(squares, pool.map(ClusterContractTest::square, items, 7));
        List<Integer> ordered = new ArrayList<>();
        pool.imap(ClusterContractTest::square, items, 4).forEachRemaining(ordered::add);
        assertEquals(squares, ordered);
        List<Integer> unordered = new ArrayList<>();
        pool.imapUnordered(ClusterContractTest::square, items, 3).forEachRemaining(unordered::add);
        unordered.sort(null);
        assertEquals(squares, unordered);

        RemoteTaskException e = assertThrows(RemoteTaskException.class, () -> pool.apply(ClusterContractTest::fail, 7));
        assertEquals(IllegalArgumentException.class.getName(), e.remoteClassName());
        assertTrue(e.getMessage().contains("bad item 7"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pool.map(ClusterContractTest::square, items, 0));
        assertThrows(SerializationException.class, () -> pool.applyAsync(x -> x, new Object()));
        assertEquals(4, pool.apply(ClusterContractTest::square, 2), "the pool goes on");
    }

    // ---- errors ----

    @Test
    void reservedNamesAndForeignLocksAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ctx.queue("mp4j.sync"));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
        LockProxy foreign = new ForeignLock();
        assertThrows(IllegalArgumentException.class, () -> ctx.condition("c", foreign));
    }

    /** A lock that is not a cluster lock. */
    private static final class ForeignLock implements LockProxy {
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

        @Override
        public void lock() {
            lock.lock();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            lock.lockInterruptibly();
        }

        @Override
        public boolean tryLock() {
            return lock.tryLock();
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            return lock.tryLock(time, unit);
        }

        @Override
        public void unlock() {
            lock.unlock();
        }
    }
}
