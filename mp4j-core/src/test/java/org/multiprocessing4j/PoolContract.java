package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of {@link Pool}, written once and run against every start method. Every wait has
 * a timeout; fault tests kill real worker JVMs with SIGKILL (separate-JVM start methods only).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class PoolContract {
    static final Duration WAIT = Duration.ofSeconds(60);

    protected Context ctx;

    abstract StartMethod method();

    abstract boolean separateJvm();

    @BeforeAll
    void openContext() {
        ctx = Context.builder(method()).warmReserve(2).build();
        ctx.register(Boom.class, Unsendable.class);
    }

    @AfterAll
    void closeContextAndCheckForLeaks() throws InterruptedException {
        ctx.close();
        Leaks.assertNoChildProcessesWithin(Duration.ofSeconds(10));
        Leaks.assertNoSegmentsOfOtherProcessesWithin(Duration.ofSeconds(10));
    }

    private Pool pool(int n) {
        return ctx.pool(n);
    }

    private static void closeAndJoin(Pool pool) throws InterruptedException {
        pool.close();
        assertTrue(pool.join(WAIT), pool + " did not end");
    }

    // ---- tasks ----

    static int square(int x) {
        return x * x;
    }

    static long pid(Integer ignored) {
        return Multiprocessing.currentProcess().pid();
    }

    static int divide(int a, int b) {
        return a / b;
    }

    static String hello() {
        return "hello from " + Multiprocessing.currentProcess().name();
    }

    /** An exception class that is not on the allow-list of the test (registered classes are Boom and Unsendable only). */
    static final class Secret extends RuntimeException {
        Secret(String m) {
            super(m);
        }
    }

    /** A registered exception class: it crosses back as itself. */
    static final class Boom extends RuntimeException {
        Boom(String m) {
            super(m);
        }
    }

    /** A registered class that is not serialisable. */
    static final class Unsendable {
        final Thread thread = Thread.currentThread();
    }

    static volatile String initialized = "no";

    static void init(String value) {
        initialized = value;
    }

    static String readInitialized() {
        return initialized;
    }

    static void failInit() {
        throw new IllegalStateException("initializer says no");
    }

    // ---- basics ----

    @Test
    void applyAndMapReturnValuesInOrder() throws Exception {
        try (Pool pool = pool(2)) {
            assertEquals(49, pool.apply(PoolContract::square, 7));
            assertEquals(2, pool.apply(PoolContract::divide, 7, 3));
            assertTrue(pool.apply(PoolContract::hello).startsWith("hello from PoolWorker-"));
            List<Integer> items = IntStream.range(0, 1000).boxed().toList();
            List<Integer> expected = items.stream().map(i -> i * i).toList();
            assertEquals(expected, pool.map(PoolContract::square, items));
            assertEquals(expected, pool.map(PoolContract::square, items, 1));
            assertEquals(expected, pool.map(PoolContract::square, items, 7));
            assertEquals(List.of(), pool.map(PoolContract::square, List.of()));
            assertEquals(List.of(3, 2), pool.starmap(PoolContract::divide, List.of(Map.entry(9, 3), Map.entry(8, 4))));
            AsyncResult<Integer> r = pool.applyAsync(PoolContract::square, 12);
            assertEquals(144, r.get(WAIT));
            assertTrue(r.ready());
            assertTrue(r.successful());
            closeAndJoin(pool);
        }
    }

    @Test
    void workSpreadsOverEveryWorker() throws Exception {
        try (Pool pool = pool(2)) {
            assertEquals(2, pool.workerPids().size());
            if (separateJvm()) {
                Set<Long> pids = new HashSet<>(pool.map(PoolContract::slowPid, IntStream.range(0, 8).boxed().toList(), 1));
                assertEquals(new HashSet<>(pool.workerPids()), pids);
            }
            closeAndJoin(pool);
        }
    }

    @Test
    void largeByteArraysArriveIntactBesideSmallValues() throws Exception {
        try (Pool pool = pool(2)) {
            java.util.Random random = new java.util.Random(42);
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                // both sides of the size from which the pool sends an array from the caller's memory
                byte[] p = new byte[i % 3 == 0 ? 100 + i : PoolWire.Out.REFERENCE_AT + i * 4099];
                random.nextBytes(p);
                payloads.add(p);
            }
            List<Long> expected = payloads.stream().map(PoolContract::checksum).toList();
            assertEquals(expected, pool.map(PoolContract::checksum, payloads)); // chunks of 3 mixing both kinds
            assertEquals(expected, pool.map(PoolContract::checksum, payloads, 1)); // batches of several tasks
            assertEquals(expected, pool.map(PoolContract::checksum, payloads, 24)); // one task
            // results of every kind in one map, some chunks all of one kind (kept unboxed), some mixed
            List<Object> mixed = java.util.Arrays.asList(1L, 2L, 3, 4, 5.5, 6.5, 7L, null, "nine", 10, 11.0, -12L, 13);
            assertEquals(mixed, pool.map(PoolContract::identity, mixed, 2));
            assertEquals(mixed, pool.map(PoolContract::identity, mixed));
            byte[] big = payloads.get(1);
            assertEquals(checksum(big) + 7, pool.apply(PoolContract::checksumPlus, big, 7)); // an array between other arguments
            assertEquals(checksum(big) + 8, pool.applyAsync(PoolContract::checksumPlus, big, 8).get(WAIT));
            closeAndJoin(pool);
        }
    }

    static long checksum(byte[] b) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b);
        return crc.getValue() ^ ((long) b.length << 32);
    }

    static long checksumPlus(byte[] b, Integer k) {
        return checksum(b) + k;
    }

    static int length(byte[] b) {
        return b.length;
    }

    static long slowPid(Integer i) throws InterruptedException {
        Thread.sleep(50); // long enough that one worker cannot take every task
        return Multiprocessing.currentProcess().pid();
    }

    @Test
    void imapKeepsOrderAndImapUnorderedDeliversEverything() throws Exception {
        try (Pool pool = pool(2)) {
            List<Integer> items = IntStream.range(0, 500).boxed().toList();
            List<Integer> got = new ArrayList<>();
            for (int v : pool.imap(PoolContract::square, items)) {
                got.add(v);
            }
            assertEquals(items.stream().map(i -> i * i).toList(), got);
            List<Integer> unordered = new ArrayList<>();
            pool.imapUnordered(PoolContract::square, items, 3).forEachRemaining(unordered::add);
            assertEquals(new HashSet<>(got), new HashSet<>(unordered));
            assertEquals(500, unordered.size());
            closeAndJoin(pool);
        }
    }

    @Test
    void imapThrowsAFailureAtItsPlaceAndGoesOn() throws Exception {
        try (Pool pool = pool(2)) {
            ResultIterator<Integer> it = pool.imap(PoolContract::tenDividedBy, List.of(5, 0, 2));
            assertEquals(2, it.next(WAIT));
            CompletionException e = assertThrows(CompletionException.class, it::next);
            assertInstanceOf(ArithmeticException.class, e.getCause());
            assertEquals(5, it.next(WAIT));
            assertFalse(it.hasNext());
            // an iterator of items that throws: its exception comes at its place, then the end
            Iterator<Integer> bad = new Iterator<>() {
                int n;

                @Override
                public boolean hasNext() {
                    return true;
                }

                @Override
                public Integer next() {
                    if (n == 2) {
                        throw new IllegalStateException("items broke");
                    }
                    return ++n;
                }
            };
            ResultIterator<Integer> it2 = pool.imap(PoolContract::square, () -> bad);
            assertEquals(1, it2.next(WAIT));
            assertEquals(4, it2.next(WAIT));
            CompletionException e2 = assertThrows(CompletionException.class, it2::next);
            assertEquals("items broke", e2.getCause().getMessage());
            assertFalse(it2.hasNext());
            closeAndJoin(pool);
        }
    }

    static int tenDividedBy(int x) {
        return 10 / x;
    }

    @Test
    void nextWithTimeoutTimesOutAndStaysUsable() throws Exception {
        try (Pool pool = pool(1)) {
            Event go = ctx.event();
            ResultIterator<Integer> it = pool.imap(PoolContract::waitFor, List.of(go));
            assertThrows(TimeoutException.class, () -> it.next(Duration.ofMillis(200)));
            go.set();
            assertEquals(1, it.next(WAIT));
            closeAndJoin(pool);
        }
    }

    static int waitFor(Event e) throws InterruptedException {
        return e.await(WAIT) ? 1 : 0;
    }

    // ---- failures of tasks ----

    @Test
    void aTaskExceptionReachesTheCallerAsItselfOrAsARemoteTaskException() throws Exception {
        try (Pool pool = pool(2)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> pool.apply(PoolContract::divide, 1, 0));
            assertInstanceOf(ArithmeticException.class, e.getCause());
            ExecutionException boom = assertThrows(ExecutionException.class, () -> pool.apply(PoolContract::boom, "x"));
            assertInstanceOf(Boom.class, boom.getCause());
            assertEquals("boom x", boom.getCause().getMessage());
            ExecutionException secret = assertThrows(ExecutionException.class, () -> pool.apply(PoolContract::secret, "y"));
            RemoteTaskException remote = assertInstanceOf(RemoteTaskException.class, secret.getCause());
            assertEquals(Secret.class.getName(), remote.remoteClassName());
            assertTrue(remote.remoteStackTrace().contains("PoolContract.secret"), remote.remoteStackTrace());
            // a failing map fails whole, with the first failure
            ExecutionException map = assertThrows(ExecutionException.class,
                    () -> pool.map(PoolContract::tenDividedBy, List.of(1, 2, 0, 5), 1));
            assertInstanceOf(ArithmeticException.class, map.getCause());
            AsyncResult<Integer> r = pool.applyAsync(PoolContract::divide, 1, 0);
            r.await();
            assertTrue(r.ready());
            assertFalse(r.successful());
            assertEquals(25, pool.apply(PoolContract::square, 5), "the pool is still usable");
            closeAndJoin(pool);
        }
    }

    static String boom(String s) {
        throw new Boom("boom " + s);
    }

    static String secret(String s) {
        throw new Secret("secret " + s);
    }

    @Test
    void badInputFailsInTheCallerAndLosesNothing() throws Exception {
        try (Pool pool = pool(1)) {
            SerializationException e = assertThrows(SerializationException.class,
                    () -> pool.applyAsync(PoolContract::identity, new Object()));
            assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
            assertThrows(SerializationException.class, () -> pool.map(PoolContract::identity, List.of(1, new Object())));
            assertThrows(IllegalArgumentException.class, () -> pool.map(PoolContract::square, List.of(1), 0));
            assertThrows(IllegalArgumentException.class, () -> pool.imap(PoolContract::square, List.of(1), 0));
            assertThrows(NullPointerException.class, () -> pool.map(PoolContract::square, null));
            if (Runtime.getRuntime().maxMemory() > 3L << 30) {
                // a chunk a worker could not receive in one array (over 2 GiB) is refused at the call
                byte[] big = new byte[800 << 20];
                IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                        () -> pool.map(PoolContract::length, List.of(big, big, big), 3));
                assertTrue(tooBig.getMessage().contains("chunksize"), tooBig.getMessage());
                assertEquals(List.of(800 << 20, 800 << 20, 800 << 20), pool.map(PoolContract::length, List.of(big, big, big), 1));
            }
            // a result that cannot cross fails its task, the pool goes on
            ExecutionException r = assertThrows(ExecutionException.class, () -> pool.apply(PoolContract::unsendable, 1));
            SerializationException se = assertInstanceOf(SerializationException.class, r.getCause());
            assertTrue(se.getMessage().contains(Unsendable.class.getName()), se.getMessage());
            assertEquals(List.of(1, 4), pool.map(PoolContract::square, List.of(1, 2)));
            closeAndJoin(pool);
        }
    }

    static Object identity(Object o) {
        return o;
    }

    static Object unsendable(Integer i) {
        return new Unsendable();
    }

    // ---- callbacks ----

    @Test
    void callbacksRunInThisProcessBeforeTheResultIsReady() throws Exception {
        try (Pool pool = pool(2)) {
            List<Object> seen = new CopyOnWriteArrayList<>();
            AsyncResult<Integer> ok = pool.applyAsync(PoolContract::square, 3, seen::add, seen::add);
            assertEquals(9, ok.get(WAIT));
            assertEquals(List.of(9), seen, "the callback ran before get() returned");
            AsyncResult<Integer> bad = pool.applyAsync(PoolContract::tenDividedBy, 0, seen::add, seen::add);
            assertThrows(ExecutionException.class, () -> bad.get(WAIT));
            assertEquals(2, seen.size());
            assertInstanceOf(ArithmeticException.class, seen.get(1));
            CountDownLatch mapped = new CountDownLatch(1);
            List<List<Integer>> lists = new CopyOnWriteArrayList<>();
            pool.mapAsync(PoolContract::square, List.of(1, 2, 3), 0, v -> {
                lists.add(v);
                mapped.countDown();
            }, null).get(WAIT);
            assertTrue(mapped.await(0, TimeUnit.SECONDS));
            assertEquals(List.of(List.of(1, 4, 9)), lists);
            closeAndJoin(pool);
        }
    }

    // ---- life cycle ----

    @Test
    void lifeCycleFollowsCPython() throws Exception {
        Pool pool = pool(2);
        assertThrows(IllegalStateException.class, pool::join, "join before close");
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.apply(PoolContract::square, 2));
        assertTrue(pool.join(WAIT));
        assertTrue(pool.workerPids().isEmpty());
    }

    @Test
    void closeLetsSubmittedTasksFinish() throws Exception {
        Pool pool = pool(2);
        AsyncResult<List<Long>> r = pool.mapAsync(PoolContract::slowPid, IntStream.range(0, 10).boxed().toList(), 1);
        pool.close();
        assertTrue(pool.join(WAIT));
        assertEquals(10, r.get(Duration.ZERO).size());
    }

    @Test
    void terminateCancelsWhatIsUnfinished() throws Exception {
        Pool pool = pool(1);
        Event never = ctx.event();
        AsyncResult<Integer> blocked = pool.applyAsync(PoolContract::waitFor, never);
        AsyncResult<Integer> queued = pool.applyAsync(PoolContract::square, 2);
        pool.terminate();
        assertThrows(CancellationException.class, () -> queued.get(WAIT));
        assertThrows(CancellationException.class, () -> blocked.get(WAIT));
        assertTrue(pool.join(WAIT));
        never.set();
    }

    @Test
    void theInitializerRunsInEveryWorker() throws Exception {
        try (Pool pool = ctx.poolBuilder().processes(2).initializer(PoolContract::init, "ready").build()) {
            for (String s : pool.map(i -> readInitialized(), List.of(1, 2, 3, 4), 1)) {
                assertEquals("ready", s);
            }
            closeAndJoin(pool);
        } finally {
            initialized = "no";
        }
    }

    @Test
    void aFailingInitializerBreaksThePoolWithItsCause() throws Exception {
        Pool pool = ctx.poolBuilder().processes(1).initializer(PoolContract::failInit).build();
        Throwable failure;
        try {
            AsyncResult<Integer> r = pool.applyAsync(PoolContract::square, 2);
            failure = assertThrows(ExecutionException.class, () -> r.get(WAIT)).getCause();
        } catch (IllegalStateException e) {
            failure = e; // the pool broke before the submission
        }
        assertTrue(failure.getMessage().contains("initializer"), failure.getMessage());
        assertThrows(IllegalStateException.class, () -> pool.apply(PoolContract::square, 2));
        assertTrue(pool.join(WAIT));
    }

    @Test
    void maxTasksPerChildReplacesWorkersWithoutLosingTasks() throws Exception {
        try (Pool pool = ctx.poolBuilder().processes(2).maxTasksPerChild(3).build()) {
            List<Long> pids = pool.map(PoolContract::pid, IntStream.range(0, 30).boxed().toList(), 1);
            assertEquals(30, pids.size());
            if (separateJvm()) {
                assertTrue(new HashSet<>(pids).size() >= 10, "at most 3 tasks per worker: " + pids);
            }
            closeAndJoin(pool);
        }
    }

    // ---- arguments that are shared objects ----

    @Test
    void queuesAndSharedValuesPassedAsArgumentsJustWork() throws Exception {
        try (Pool pool = pool(2)) {
            Queue<Integer> q = ctx.queue();
            SharedLong total = ctx.sharedLong(0);
            pool.map(PoolContract::putAndAdd, IntStream.range(0, 100).mapToObj(i -> List.<Object>of(q, total)).toList(), 5);
            Set<Integer> got = new HashSet<>();
            for (int i = 0; i < 100; i++) {
                got.add(q.get(WAIT));
            }
            assertEquals(100, got.size());
            assertEquals(100, total.get());
            closeAndJoin(pool);
        }
    }

    @SuppressWarnings("unchecked")
    static int putAndAdd(List<Object> handles) throws InterruptedException {
        long n = ((SharedLong) handles.get(1)).incrementAndGet();
        ((Queue<Integer>) handles.get(0)).put((int) n);
        return (int) n;
    }

    // ---- cancellation ----

    @Test
    void cancellingAPendingTaskMeansItNeverRuns() throws Exception {
        try (Pool pool = pool(1)) {
            Event go = ctx.event();
            SharedInt ran = ctx.sharedInt(0);
            AsyncResult<Integer> first = pool.applyAsync(PoolContract::waitFor, go);
            AsyncResult<Integer> second = pool.applyAsync(PoolContract::count, ran);
            assertTrue(second.cancel(false));
            assertTrue(second.isCancelled());
            go.set();
            assertEquals(1, first.get(WAIT));
            assertEquals(1, pool.apply(PoolContract::count, ran), "only this call ran");
            closeAndJoin(pool);
        }
    }

    static int count(SharedInt n) {
        return n.incrementAndGet();
    }

    @Test
    void cancellingARunningTaskInterruptsIt() throws Exception {
        try (Pool pool = pool(1)) {
            Event started = ctx.event();
            Event interrupted = ctx.event();
            AsyncResult<Integer> r = pool.applyAsync(PoolContract::sleepUntilInterrupted, started, interrupted);
            assertTrue(started.await(WAIT));
            assertTrue(r.cancel(true));
            assertThrows(CancellationException.class, r::get);
            assertTrue(interrupted.await(WAIT), "the task saw the interrupt");
            assertEquals(4, pool.apply(PoolContract::square, 2));
            closeAndJoin(pool);
        }
    }

    static int sleepUntilInterrupted(Event started, Event interrupted) {
        started.set();
        try {
            Thread.sleep(WAIT.toMillis());
            return 0;
        } catch (InterruptedException e) {
            interrupted.set();
            return -1;
        }
    }

    // ---- time limits ----

    @Test
    void theSoftLimitInterruptsTheTask() throws Exception {
        try (Pool pool = ctx.poolBuilder().processes(1).timeLimits(Duration.ofMillis(300), null).build()) {
            Event started = ctx.event();
            Event interrupted = ctx.event();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> pool.apply(PoolContract::sleepOrThrow, started, interrupted));
            TaskTimeoutException t = assertInstanceOf(TaskTimeoutException.class, e.getCause());
            assertFalse(t.isHard());
            assertInstanceOf(InterruptedException.class, t.getCause());
            assertEquals(9, pool.apply(PoolContract::square, 3));
            closeAndJoin(pool);
        }
    }

    static int sleepOrThrow(Event started, Event interrupted) throws InterruptedException {
        started.set();
        Thread.sleep(WAIT.toMillis());
        return 0;
    }

    // ---- faults (real processes killed) ----

    @Test
    void aWorkerKilledWhileRunningFailsOnlyItsTaskAndIsReplaced() throws Exception {
        assumeTrue(separateJvm(), "threads cannot be killed");
        try (Pool pool = pool(2)) {
            Event started = ctx.event();
            SharedLong victim = ctx.sharedLong(0);
            AsyncResult<Integer> doomed = pool.applyAsync(PoolContract::publishPidAndWait, started, victim);
            assertTrue(started.await(WAIT));
            AsyncResult<List<Integer>> others = pool.mapAsync(PoolContract::square, IntStream.range(0, 200).boxed().toList(), 1);
            long pid = victim.get();
            new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
            ExecutionException e = assertThrows(ExecutionException.class, () -> doomed.get(WAIT));
            WorkerLostException lost = assertInstanceOf(WorkerLostException.class, e.getCause());
            assertEquals(pid, lost.pid());
            assertEquals(-9, lost.exitCode().orElse(0));
            assertEquals(200, others.get(WAIT).size());
            assertEquals(16, pool.apply(PoolContract::square, 4));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (pool.workerPids().size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10); // polling for the replacement, bounded by the deadline
            }
            assertEquals(2, pool.workerPids().size());
            assertFalse(pool.workerPids().contains(pid));
            closeAndJoin(pool);
        }
    }

    static int publishPidAndWait(Event started, SharedLong pid) throws InterruptedException {
        pid.set(Multiprocessing.currentProcess().pid());
        started.set();
        Thread.sleep(WAIT.toMillis());
        return 0;
    }

    @Test
    void aWorkerThatExitsNamesItsExitCode() throws Exception {
        assumeTrue(separateJvm(), "System.exit in a thread worker would end the test JVM");
        try (Pool pool = pool(1)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> pool.apply(PoolContract::exit, 3));
            WorkerLostException lost = assertInstanceOf(WorkerLostException.class, e.getCause());
            assertEquals(3, lost.exitCode().orElse(0));
            assertEquals(1, pool.apply(PoolContract::square, 1));
            closeAndJoin(pool);
        }
    }

    static int exit(int code) {
        System.exit(code);
        return 0;
    }

    @Test
    void aRetryPolicyRunsALostTaskAgain() throws Exception {
        assumeTrue(separateJvm(), "threads cannot die");
        try (Pool pool = ctx.poolBuilder().processes(1)
                .retry(RetryPolicy.attempts(3).backoff(Duration.ofMillis(10), 2.0, Duration.ofMillis(100))).build()) {
            SharedInt runs = ctx.sharedInt(0);
            assertEquals("survived run 3", pool.apply(PoolContract::dieTwice, runs));
            assertEquals(3, runs.get());
            closeAndJoin(pool);
        }
    }

    static String dieTwice(SharedInt runs) {
        int n = runs.incrementAndGet();
        if (n < 3) {
            Runtime.getRuntime().halt(1);
        }
        return "survived run " + n;
    }

    @Test
    void theHardLimitKillsTheWorkerAndThePoolGoesOn() throws Exception {
        assumeTrue(separateJvm(), "threads cannot be killed");
        try (Pool pool = ctx.poolBuilder().processes(1).timeLimits(null, Duration.ofMillis(500)).build()) {
            long before = pool.workerPids().get(0);
            AsyncResult<Integer> r = pool.applyAsync(PoolContract::spin, 1);
            AsyncResult<Integer> next = pool.applyAsync(PoolContract::square, 6);
            ExecutionException e = assertThrows(ExecutionException.class, () -> r.get(WAIT));
            TaskTimeoutException t = assertInstanceOf(TaskTimeoutException.class, e.getCause());
            assertTrue(t.isHard());
            assertEquals(36, next.get(WAIT), "the task queued behind it ran on the replacement");
            assertNotEquals(before, pool.workerPids().get(0));
            closeAndJoin(pool);
        }
    }

    static int spin(int x) {
        long n = 0;
        while (n >= 0) { // ignores interrupts: only a kill stops it
            n++;
        }
        return x;
    }

    @Test
    void aMemoryLimitRecyclesWorkersWithoutLosingTasks() throws Exception {
        assumeTrue(separateJvm(), "threads share the process's memory");
        try (Pool pool = ctx.poolBuilder().processes(2).memoryLimit(1).build()) {
            List<Long> pids = pool.map(PoolContract::pid, IntStream.range(0, 12).boxed().toList(), 1);
            assertEquals(12, pids.size());
            assertTrue(new HashSet<>(pids).size() >= 6, "a worker retires after each task: " + pids);
            closeAndJoin(pool);
        }
    }

    // ---- the executor ----

    @Test
    void theExecutorRunsSubmitInvokeAllInvokeAnyAndMap() throws Exception {
        ProcessPoolExecutor ex = new ProcessPoolExecutor(ctx, 2);
        try {
            assertEquals(42, ex.submit(() -> 6 * 7).get(WAIT));
            assertEquals(81, ex.submit(PoolContract::square, 9).get(WAIT));
            List<java.util.concurrent.Future<Integer>> all = ex.invokeAll(List.of(
                    (java.util.concurrent.Callable<Integer> & java.io.Serializable) () -> 1,
                    (java.util.concurrent.Callable<Integer> & java.io.Serializable) () -> 2));
            assertEquals(1, all.get(0).get());
            assertEquals(2, all.get(1).get());
            int any = ex.invokeAny(List.of(
                    (java.util.concurrent.Callable<Integer> & java.io.Serializable) () -> tenDividedBy(0),
                    (java.util.concurrent.Callable<Integer> & java.io.Serializable) () -> 7));
            assertEquals(7, any, "the failing one does not win");
            List<Integer> mapped = new ArrayList<>();
            ex.map(PoolContract::square, IntStream.range(0, 100).boxed().toList(), 10).forEachRemaining(mapped::add);
            assertEquals(IntStream.range(0, 100).map(i -> i * i).boxed().toList(), mapped);
            java.util.concurrent.CompletableFuture<String> done = new java.util.concurrent.CompletableFuture<>();
            ex.submit(PoolContract::hello).toCompletableFuture().whenComplete((v, e) -> done.complete(v));
            assertTrue(done.get(WAIT.toSeconds(), TimeUnit.SECONDS).startsWith("hello"));
            // not serializable: refused at the call
            java.util.concurrent.Callable<Integer> plain = new java.util.concurrent.Callable<>() {
                @Override
                public Integer call() {
                    return 1;
                }
            };
            assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> ex.submit(plain));
        } finally {
            ex.shutdown();
        }
        assertTrue(ex.isShutdown());
        assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> ex.submit(() -> 1));
        assertTrue(ex.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertTrue(ex.isTerminated());
    }

    @Test
    void shutdownNowReturnsWhatNeverStarted() throws Exception {
        ProcessPoolExecutor ex = new ProcessPoolExecutor(ctx, 1);
        Event never = ctx.event();
        AsyncResult<Integer> running = ex.submit(PoolContract::waitFor, never);
        List<AsyncResult<Integer>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            queued.add(ex.submit(() -> 1));
        }
        List<Runnable> neverStarted = ex.shutdownNow();
        assertTrue(neverStarted.size() >= 4, "at most one task went to the busy worker: " + neverStarted.size());
        for (AsyncResult<Integer> r : queued) {
            assertThrows(CancellationException.class, () -> r.get(WAIT));
        }
        assertThrows(CancellationException.class, () -> running.get(WAIT));
        assertTrue(ex.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS));
        never.set();
    }

    @Test
    void whenAllAndWhenAnyCombineResults() throws Exception {
        try (Pool pool = pool(2)) {
            AsyncResult<List<Integer>> all = AsyncResult.whenAll(pool.applyAsync(PoolContract::square, 2),
                    pool.applyAsync(PoolContract::square, 3));
            assertEquals(List.of(4, 9), all.get(WAIT));
            Event never = ctx.event();
            AsyncResult<Integer> slow = pool.applyAsync(PoolContract::waitFor, never);
            AsyncResult<Integer> any = AsyncResult.whenAny(slow, pool.applyAsync(PoolContract::square, 5));
            assertEquals(25, any.get(WAIT));
            ExecutionException failed = assertThrows(ExecutionException.class, () -> AsyncResult.whenAll(
                    pool.applyAsync(PoolContract::square, 1), pool.applyAsync(PoolContract::tenDividedBy, 0)).get(WAIT));
            assertInstanceOf(ArithmeticException.class, failed.getCause());
            never.set();
            assertEquals(1, slow.get(WAIT));
            closeAndJoin(pool);
        }
    }

    // ---- the C# part: progress, tokens, aggregate ----

    @Test
    void progressCountsUpToTheTotalBeforeTheResultIsReady() throws Exception {
        try (Pool pool = pool(2)) {
            List<long[]> updates = new CopyOnWriteArrayList<>();
            List<Integer> squares = pool.mapAsync(PoolContract::square, IntStream.range(0, 100).boxed().toList(), 10,
                    (done, total) -> updates.add(new long[] {done, total})).get(WAIT);
            assertEquals(100, squares.size());
            assertFalse(updates.isEmpty());
            long[] last = updates.get(updates.size() - 1);
            assertEquals(100, last[0]);
            assertEquals(100, last[1]);
            for (int i = 1; i < updates.size(); i++) {
                assertTrue(updates.get(i)[0] >= updates.get(i - 1)[0], "progress never goes back");
            }
            java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
            Progress bar = Progress.bar(new java.io.PrintStream(text, true), 10);
            bar.update(5, 10);
            bar.update(10, 10);
            assertEquals("\r[#####     ] 5/10\r[##########] 10/10" + System.lineSeparator(), text.toString());
            closeAndJoin(pool);
        }
    }

    @Test
    void aCancellationTokenCancelsWhatWasRegistered() throws Exception {
        try (Pool pool = pool(1)) {
            Event started = ctx.event();
            Event interrupted = ctx.event();
            CancellationToken token = new CancellationToken();
            AsyncResult<Integer> r = token.register(pool.applyAsync(PoolContract::sleepUntilInterrupted, started, interrupted));
            assertTrue(started.await(WAIT), "the task runs before the deadline is armed");
            token.cancelAfter(Duration.ofMillis(100));
            assertThrows(CancellationException.class, () -> r.get(WAIT));
            assertTrue(token.isCancelled());
            assertTrue(interrupted.await(WAIT), "the running task was interrupted");
            // a task that cannot finish on its own: a quick one could complete before register
            // (seen on the thread start method) and a completed result cannot be cancelled
            AsyncResult<Integer> late = token.register(pool.applyAsync(PoolContract::sleepUntilInterrupted, ctx.event(), ctx.event()));
            assertTrue(late.isCancelled(), "registered after the cancel: cancelled at once");
            assertEquals(9, pool.apply(PoolContract::square, 3));
            closeAndJoin(pool);
        }
    }

    @Test
    void aggregateFoldsInTheWorkersAndCombinesHere() throws Exception {
        try (Pool pool = pool(2)) {
            List<Long> items = java.util.stream.LongStream.range(0, 100_000).boxed().toList();
            assertEquals(4_999_950_000L, pool.aggregate(items, 0L, (Long sum, Long x) -> sum + x, Long::sum, 0));
            assertEquals(0L, pool.aggregate(List.<Long>of(), 0L, (Long sum, Long x) -> sum + x, Long::sum, 0));
            assertEquals("abc", pool.aggregate(List.of("a", "b", "c"), "", (String acc, String x) -> acc + x, String::concat, 1));
            closeAndJoin(pool);
        }
    }

    @Test
    void aRunningTaskThatIgnoresItsCancellationIsStoppedByKillingItsWorker() throws Exception {
        assumeTrue(separateJvm(), "threads cannot be killed");
        try (Pool pool = ctx.poolBuilder().processes(1).cancelGrace(Duration.ofMillis(300)).build()) {
            long before = pool.workerPids().get(0);
            Event started = ctx.event();
            AsyncResult<Integer> r = pool.applyAsync(PoolContract::spinAfter, started);
            assertTrue(started.await(WAIT));
            assertTrue(r.cancel(true));
            assertThrows(CancellationException.class, r::get);
            assertEquals(49, pool.apply(PoolContract::square, 7), "the replacement runs the next task");
            assertNotEquals(before, pool.workerPids().get(0), "the worker that ignored the interrupt was killed");
            closeAndJoin(pool);
        }
    }

    static int spinAfter(Event started) {
        started.set();
        return spin(1);
    }

    @Test
    void anOutOfMemoryErrorInATaskDoesNotHangThePool() throws Exception {
        assumeTrue(separateJvm(), "a thread worker shares this JVM's heap");
        try (Context small = Context.builder(method()).warmReserve(1)
                .jvmOptions(List.of("-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xmx64m")).build();
             Pool pool = small.poolBuilder().processes(1).build()) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> pool.apply(PoolContract::exhaustHeap, 1));
            Throwable cause = e.getCause();
            assertTrue(cause instanceof OutOfMemoryError || cause instanceof WorkerLostException, String.valueOf(cause));
            assertEquals(16, pool.apply(PoolContract::square, 4), "the pool goes on");
            closeAndJoin(pool);
        }
    }

    static int exhaustHeap(Integer ignored) {
        List<long[]> hog = new ArrayList<>();
        while (true) {
            hog.add(new long[1 << 20]); // 8 MiB at a time, until the 64 MiB heap is gone
        }
    }
}
