package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Chaos (not timed): worker JVMs are SIGKILLed at random while a pool works. With a retry policy
 * every task's result arrives and is right; without one, every task either succeeds or fails with
 * a {@link WorkerLostException}; nothing hangs, and the pool keeps its size.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PoolChaosTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private Context ctx;

    @BeforeAll
    void open() {
        ctx = Context.builder(StartMethod.WARM).warmReserve(2).build();
    }

    @AfterAll
    void close() throws InterruptedException {
        ctx.close();
        Leaks.assertNoChildProcessesWithin(Duration.ofSeconds(10));
        Leaks.assertNoSegmentsOfOtherProcessesWithin(Duration.ofSeconds(10));
    }

    static long slowSquare(Integer i) throws InterruptedException {
        Thread.sleep(0, 500_000); // half a millisecond: enough tasks are in flight when a kill lands
        return (long) i * i;
    }

    /** Kills a random live worker every 50-150 ms until stopped; returns how many it killed. */
    private static Thread killer(Pool pool, AtomicBoolean stop, AtomicInteger kills, int maxKills) {
        return Thread.ofPlatform().daemon().start(() -> {
            try {
                while (!stop.get() && kills.get() < maxKills) {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(50, 150)); // the chaos schedule, not synchronisation
                    List<Long> pids = pool.workerPids();
                    if (pids.isEmpty()) {
                        continue;
                    }
                    long pid = pids.get(ThreadLocalRandom.current().nextInt(pids.size()));
                    if (new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor() == 0) {
                        kills.incrementAndGet();
                    }
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    @Test
    void withRetriesEveryResultArrivesRightDespiteKills() throws Exception {
        try (Pool pool = ctx.poolBuilder().processes(3).retry(RetryPolicy.attempts(50)).build()) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger kills = new AtomicInteger();
            Thread k = killer(pool, stop, kills, 8);
            List<Integer> items = IntStream.range(0, 3000).boxed().toList();
            List<Long> squares = pool.mapAsync(PoolChaosTest::slowSquare, items, 1).get(WAIT);
            stop.set(true);
            k.join(WAIT.toMillis());
            for (int i = 0; i < items.size(); i++) {
                assertEquals((long) i * i, squares.get(i), "result " + i);
            }
            assertTrue(kills.get() >= 1, "the chaos killed nobody");
            assertEquals(List.of(4L), pool.map(PoolChaosTest::slowSquare, List.of(2)));
            pool.close();
            assertTrue(pool.join(WAIT));
        }
    }

    @Test
    void withoutRetriesATaskSucceedsOrNamesItsLostWorker() throws Exception {
        try (Pool pool = ctx.poolBuilder().processes(3).build()) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger kills = new AtomicInteger();
            Thread k = killer(pool, stop, kills, 6);
            List<AsyncResult<Long>> results = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                results.add(pool.applyAsync(PoolChaosTest::slowSquare, i));
            }
            int lost = 0;
            for (int i = 0; i < results.size(); i++) {
                try {
                    assertEquals((long) i * i, results.get(i).get(WAIT));
                } catch (ExecutionException e) {
                    assertInstanceOf(WorkerLostException.class, e.getCause());
                    lost++;
                }
            }
            stop.set(true);
            k.join(WAIT.toMillis());
            assertTrue(lost <= kills.get() * Pool.MAX_AHEAD, lost + " lost for " + kills.get() + " kills");
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (pool.workerPids().size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10); // polling for the replacements, bounded by the deadline
            }
            assertEquals(3, pool.workerPids().size());
            pool.close();
            assertTrue(pool.join(WAIT));
        }
    }
}
