package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of shared objects served to many processes through the manager proxies'
 * interfaces, written once and run against every backend that serves them: a {@link Manager}
 * (on every start method and transport, {@code ManagerContract}) and the cluster context
 * ({@code ClusterContractTest} in mp4j-cluster, on 3 member JVMs). The other side of every
 * cross-process check runs {@link #elsewhere}: in another process (a pool worker of the
 * manager's context, a task on a cluster member). Every wait has a timeout.
 *
 * <p>Public, with its hooks protected, because the cluster module's test extends it (this
 * module's test jar).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class SharedObjectsContract {
    protected static final Duration WAIT = Duration.ofSeconds(60);

    // ---- what a backend provides ----

    protected abstract <K, V> Map<K, V> dict();

    protected abstract <E> List<E> list();

    protected abstract <E> BlockingQueue<E> queue();

    protected abstract <E> BlockingQueue<E> boundedQueue(int maxsize);

    protected abstract <E> JoinableQueueProxy<E> joinableQueue();

    protected abstract Namespace namespace();

    protected abstract <T> ValueProxy<T> value(T initial);

    protected abstract LockProxy lock();

    protected abstract LockProxy rlock();

    protected abstract SemaphoreProxy semaphore(int permits);

    protected abstract SemaphoreProxy boundedSemaphore(int permits);

    protected abstract EventProxy event();

    protected abstract ConditionProxy condition();

    protected abstract BarrierProxy barrier(int parties);

    /** Runs {@code fn(a)} in another process; at least 3 may run at once. */
    protected abstract <A, R> CompletableFuture<R> elsewhere(Task1<A, R> fn, A a);

    /** Runs {@code fn(a, b)} in another process. */
    protected abstract <A, B, R> CompletableFuture<R> elsewhere(Task2<A, B, R> fn, A a, B b);

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    // ---- dict ----

    @Test
    void dictWorksLikeAMap() {
        Map<Object, Object> d = dict();
        d.put(1, "1");
        d.put("2", 2);
        assertEquals(2, d.size());
        assertEquals("1", d.get(1));
        assertTrue(d.containsKey("2"));
        assertNull(d.get(3));
        assertEquals(Set.of(1, "2"), d.keySet());
        assertEquals(Map.of(1, "1", "2", 2), Map.copyOf(d));
        assertEquals(2, d.remove("2"));
        assertNull(d.putIfAbsent(5, 1));
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
    void mergeAndComputeRunAtomicallyWhereTheDictLives() throws Exception {
        Map<String, Integer> d = dict();
        List<CompletableFuture<Integer>> rs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            rs.add(elsewhere(SharedObjectsContract::mergeMany, d, 100));
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
        Map<String, Object> d = dict();
        d.put("a", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.merge("a", 1, (a, b) -> a));
        assertTrue(e.getMessage().contains("not serializable"), e.getMessage());
        assertThrows(SerializationException.class, () -> d.put("t", new Object()));
        assertEquals(Map.of("a", 1), Map.copyOf(d), "nothing changed and the object goes on");
    }

    // ---- list, namespace, value ----

    @Test
    void listBasicsSortAndSnapshots() {
        List<Integer> l = list();
        l.addAll(List.of(3, 1, 2));
        l.add(0);
        assertEquals(4, l.size());
        l.sort((Comparator<Integer> & Serializable) Integer::compare);
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
    void anObjectInsideADictStaysTheSharedObjectAndTravels() throws Exception {
        Map<String, List<String>> d = dict();
        List<String> inner = list();
        d.put("inner", inner);
        assertEquals("ok", get(elsewhere(SharedObjectsContract::addToInner, d)));
        assertEquals(1, inner.size());
        assertTrue(inner.get(0).startsWith("from "), inner.get(0));
        assertEquals(d.get("inner"), inner, "the same object");
    }

    @Test
    void namespaceAndValue() {
        Namespace ns = namespace();
        ns.set("x", 1);
        ns.set("y", "two");
        assertEquals(1, ns.get("x"));
        assertTrue(ns.has("y"));
        assertThrows(NoSuchElementException.class, () -> ns.get("z"));
        assertTrue(ns.delete("y"));
        assertEquals(Map.of("x", 1), ns.asMap());
        assertEquals(2, ns.updateAndGet("x", v -> (Integer) v + 1));
        assertEquals("Namespace(x=2)", ns.toString());

        ValueProxy<Integer> v = value(41);
        assertEquals(42, v.updateAndGet(x -> x + 1));
        v.set(7);
        assertEquals(7, v.get());
    }

    // ---- queues ----

    static int produce(BlockingQueue<Integer> q, Integer n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            q.put(i);
        }
        return n;
    }

    @Test
    void aQueueCarriesItemsFromAnotherProcess() throws Exception {
        BlockingQueue<Integer> q = queue();
        CompletableFuture<Integer> done = elsewhere(SharedObjectsContract::produce, q, 300);
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
        BlockingQueue<String> q = boundedQueue(2);
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
        JoinableQueueProxy<Integer> q = joinableQueue();
        for (int i = 0; i < 30; i++) {
            q.put(i);
        }
        assertEquals(30, q.unfinishedTasks());
        assertFalse(q.join(Duration.ofMillis(20)));
        CompletableFuture<Integer> c = elsewhere(SharedObjectsContract::consume, q, 30);
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
        Map<String, Integer> d = dict();
        d.put("n", 0);
        LockProxy lock = lock();
        List<CompletableFuture<Integer>> rs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            rs.add(elsewhere(SharedObjectsContract::addUnderLock, d, lock));
        }
        for (CompletableFuture<Integer> r : rs) {
            assertEquals(30, get(r));
        }
        assertEquals(90, d.get("n"));
        assertTrue(lock.tryLock());
        assertFalse(lock.tryLock(), "a Lock is not reentrant");
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
        LockProxy r = rlock();
        r.lock();
        r.lock();
        assertTrue(get(elsewhere(SharedObjectsContract::unlockForeign, r)), "another process may not release it");
        r.unlock();
        r.unlock();
        assertThrows(IllegalMonitorStateException.class, r::unlock);
    }

    @Test
    void semaphoresCountAndABoundedOneRefusesExtraReleases() throws InterruptedException {
        SemaphoreProxy s = semaphore(2);
        assertTrue(s.tryAcquire());
        assertTrue(s.tryAcquire(Duration.ofMillis(10)));
        assertFalse(s.tryAcquire(Duration.ofMillis(20)));
        s.release();
        s.release();
        s.release(); // a plain semaphore may grow
        assertEquals(3, s.availablePermits());
        SemaphoreProxy b = boundedSemaphore(1);
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
    void anEventIsSetByAnotherProcess() throws Exception {
        EventProxy e = event();
        assertFalse(e.isSet());
        assertFalse(e.await(Duration.ofMillis(20)));
        CompletableFuture<Boolean> r = elsewhere(SharedObjectsContract::setEvent, e);
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
    void aConditionWakesAWaiterInAnotherProcess() throws Exception {
        ConditionProxy c = condition();
        Map<String, Boolean> state = dict();
        state.put("ready", false);
        try (Held h = c.hold()) {
            CompletableFuture<Boolean> r = elsewhere(SharedObjectsContract::notifyCondition, c, state);
            assertTrue(c.waitFor(() -> state.get("ready"), WAIT));
            assertTrue(get(r));
        }
    }

    static int awaitBarrier(BarrierProxy b) throws Exception {
        return b.await(WAIT);
    }

    @Test
    void aBarrierReleasesAllPartiesAndBreaksOnATimeout() throws Exception {
        BarrierProxy b = barrier(3);
        CompletableFuture<Integer> p1 = elsewhere(SharedObjectsContract::awaitBarrier, b);
        CompletableFuture<Integer> p2 = elsewhere(SharedObjectsContract::awaitBarrier, b);
        int mine = b.await(WAIT);
        assertEquals(Set.of(0, 1, 2), Set.of(mine, get(p1), get(p2)), "arrival indices");
        assertEquals(3, b.parties());
        assertThrows(TimeoutException.class, () -> b.await(Duration.ofMillis(100)));
        assertTrue(b.isBroken(), "a timeout breaks the barrier");
        assertThrows(BrokenBarrierException.class, b::await);
        b.reset();
        assertFalse(b.isBroken());
        b.abort();
        assertTrue(b.isBroken());
    }
}
