package org.multiprocessing4j.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
import org.multiprocessing4j.SharedObjectsContract;
import org.multiprocessing4j.Task1;
import org.multiprocessing4j.Task2;
import org.multiprocessing4j.ValueProxy;

/**
 * The cluster context on a cluster of 3 member JVMs on 127.0.0.1 ({@link LocalCluster}): the
 * shared-object contract every backend passes ({@link SharedObjectsContract}, its other
 * processes tasks on the members), and what only the cluster has.
 */
class ClusterContractTest extends SharedObjectsContract {
    private LocalCluster cluster;
    private ClusterContext ctx;
    private ClusterPool pool;

    @BeforeAll
    void start() throws Exception {
        cluster = LocalCluster.start(3, 4);
        ctx = ClusterContext.connect(cluster.config());
        ctx.register(ClusterContractTest.class, SharedObjectsContract.class);
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

    // ---- the shared-object contract's backend ----

    @Override
    protected <K, V> Map<K, V> dict() {
        return ctx.dict();
    }

    @Override
    protected <E> List<E> list() {
        return ctx.list();
    }

    @Override
    protected <E> BlockingQueue<E> queue() {
        return ctx.queue();
    }

    @Override
    protected <E> BlockingQueue<E> boundedQueue(int maxsize) {
        return ctx.queue("bounded-" + System.nanoTime(), maxsize);
    }

    @Override
    protected <E> JoinableQueueProxy<E> joinableQueue() {
        return ctx.joinableQueue();
    }

    @Override
    protected Namespace namespace() {
        return ctx.namespace();
    }

    @Override
    protected <T> ValueProxy<T> value(T initial) {
        return ctx.value(initial);
    }

    @Override
    protected LockProxy lock() {
        return ctx.lock();
    }

    @Override
    protected LockProxy rlock() {
        return ctx.rlock();
    }

    @Override
    protected SemaphoreProxy semaphore(int permits) {
        return ctx.semaphore(permits);
    }

    @Override
    protected SemaphoreProxy boundedSemaphore(int permits) {
        return ctx.boundedSemaphore(permits);
    }

    @Override
    protected EventProxy event() {
        return ctx.event();
    }

    @Override
    protected ConditionProxy condition() {
        return ctx.condition();
    }

    @Override
    protected BarrierProxy barrier(int parties) {
        return ctx.barrier(parties);
    }

    @Override
    protected <A, R> CompletableFuture<R> elsewhere(Task1<A, R> fn, A a) {
        return pool.applyAsync(fn, a);
    }

    @Override
    protected <A, B, R> CompletableFuture<R> elsewhere(Task2<A, B, R> fn, A a, B b) {
        return pool.applyAsync(fn, a, b);
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
        assertEquals(new HashSet<>(cluster.pids()), new HashSet<>(pids), "tasks go to every member in turn");
        assertFalse(pids.contains(ProcessHandle.current().pid()));
    }

    @Test
    void aWrongPasswordIsRefused() {
        ClusterConfig wrong = ClusterConfig.builder("not the password").members(cluster.members())
                .connectTimeout(Duration.ofSeconds(3)).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClusterContext.connect(wrong));
        assertTrue(e.getMessage().contains(cluster.members().get(0)), e.getMessage());
    }

    @Test
    void objectsAreSharedByNameAndTravelAsThemselves() {
        Map<String, List<String>> d = ctx.dict("by-name");
        d.put("inner", ctx.list("inner-list"));
        assertInstanceOf(ClusterList.class, d.get("inner"));
        ctx.<String>list("inner-list").add("x");
        assertEquals(List.of("x"), d.get("inner"));
        Map<String, List<String>> again = ctx.dict("by-name");
        assertEquals(List.of("x"), again.get("inner"), "another handle of the same name sees the same objects");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ctx.queue("mp4j.sync"));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
    }

    @Test
    void aFailedUpdateOnAMemberIsARemoteErrorAndChangesNothing() {
        ValueProxy<Integer> v = ctx.value(7);
        RemoteTaskException e = assertThrows(RemoteTaskException.class, () -> v.updateAndGet(x -> x / (x - x)));
        assertEquals(ArithmeticException.class.getName(), e.remoteClassName());
        assertEquals(7, v.get());
    }

    @Test
    void lockAndConditionMisuseAreClearErrors() throws InterruptedException {
        LockProxy lock = ctx.lock();
        try (Held h = lock.hold()) {
            assertThrows(IllegalStateException.class, lock::lock, "a Lock's holder taking it again would wait for ever");
        }
        ConditionProxy c = ctx.condition();
        assertThrows(IllegalMonitorStateException.class, c::signal);
        assertThrows(IllegalMonitorStateException.class, () -> c.await(Duration.ofMillis(1)));
        LockProxy foreign = new ForeignLock();
        assertThrows(IllegalArgumentException.class, () -> ctx.condition("c", foreign));
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
        assertEquals(Set.of(), Set.copyOf(pool.map(ClusterContractTest::square, List.<Integer>of())));
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
