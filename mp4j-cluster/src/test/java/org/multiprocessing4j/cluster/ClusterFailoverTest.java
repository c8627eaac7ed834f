package org.multiprocessing4j.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.partition.Partition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Members SIGKILLed in the middle of work, on a 3-member loopback cluster each: nothing hangs,
 * no task's result is lost, no queue item whose {@code put} returned is lost.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterFailoverTest {

    static long[] slowSquare(Integer x) throws InterruptedException {
        Thread.sleep(250);
        return new long[] {(long) x * x, ProcessHandle.current().pid()};
    }

    @Test
    void aPoolMapSurvivesAMemberKilledWhileItRunsTasks() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(3, 4);
                ClusterContext ctx = ClusterContext.connect(cluster.config())) {
            ctx.register(ClusterFailoverTest.class);
            List<Integer> items = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                items.add(i);
            }
            Iterator<long[]> results = ctx.pool().imap(ClusterFailoverTest::slowSquare, items, 1);
            List<long[]> got = new ArrayList<>();
            while (got.size() < 8) {
                got.add(results.next());
            }
            long victim = cluster.pids().get(1);
            cluster.kill(1);
            results.forEachRemaining(got::add);
            assertEquals(60, got.size());
            Set<Long> pids = new HashSet<>();
            for (int i = 0; i < 60; i++) {
                assertEquals((long) i * i, got.get(i)[0], "result " + i);
                pids.add(got.get(i)[1]);
            }
            assertTrue(pids.contains(cluster.pids().get(0)) && pids.contains(cluster.pids().get(2)), "the survivors ran tasks: " + pids);
            List<long[]> after = ctx.pool().map(ClusterFailoverTest::slowSquare, List.of(1, 2, 3, 4));
            for (long[] r : after) {
                assertTrue(r[1] != victim, "no task goes to the dead member any more");
            }
        }
    }

    @Test
    void queueItemsSurviveTheKillOfTheMemberThatOwnsThem() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(3, 4);
                ClusterContext ctx = ClusterContext.connect(cluster.config())) {
            String name = "survivor";
            BlockingQueue<Integer> q = ctx.queue(name);
            for (int i = 0; i < 1_000; i++) {
                q.put(i);
            }
            int owner = ownerIndex(cluster, ctx, name);
            // traffic while the owner dies: a producer goes on putting, a consumer takes
            Set<Integer> confirmed = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 1_000; i++) {
                confirmed.add(i);
            }
            List<Integer> consumed = new ArrayList<>();
            List<Throwable> uncertain = new ArrayList<>();
            Thread producer = Thread.ofPlatform().start(() -> {
                for (int i = 1_000; i < 3_000; i++) {
                    try {
                        q.put(i);
                        confirmed.add(i);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        synchronized (uncertain) {
                            uncertain.add(e); // the member died with the put in flight: it may or may not have happened
                        }
                    }
                }
            });
            for (int i = 0; i < 500; i++) {
                consumed.add(q.poll(30, TimeUnit.SECONDS));
            }
            cluster.kill(owner);
            producer.join(Duration.ofSeconds(120));
            assertTrue(!producer.isAlive(), "the producer finished");
            for (Integer x; (x = q.poll(2, TimeUnit.SECONDS)) != null; ) {
                consumed.add(x);
            }
            Set<Integer> seen = new HashSet<>(consumed);
            int duplicates = consumed.size() - seen.size();
            Set<Integer> lost = new HashSet<>(confirmed);
            lost.removeAll(seen);
            assertEquals(Set.of(), lost, "items whose put returned are all there (" + uncertain.size() + " puts failed)");
            assertTrue(duplicates <= uncertain.size(), duplicates + " duplicates, " + uncertain.size() + " uncertain puts");
            System.out.printf("queue failover: %d items, %d puts failed with the member, %d duplicates%n",
                    consumed.size(), uncertain.size(), duplicates);
        }
    }

    /** A client JVM that takes the lock, says so, and waits to be killed. */
    static void holdLock(String password, String members) throws InterruptedException {
        ClusterConfig config = ClusterConfig.builder(password).members(members.split(",")).build();
        ClusterContext ctx = ClusterContext.connect(config);
        ctx.lock("held").lock();
        ctx.event("locked").set();
        Thread.sleep(Long.MAX_VALUE); // until SIGKILL
    }

    @Test
    void aLockIsReleasedWhenTheClientJvmHoldingItIsKilled() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(3, 4);
                ClusterContext ctx = ClusterContext.connect(cluster.config())) {
            org.multiprocessing4j.Process holder = org.multiprocessing4j.Multiprocessing.context("spawn")
                    .process(ClusterFailoverTest::holdLock, cluster.password(), String.join(",", cluster.members()));
            holder.start();
            assertTrue(ctx.event("locked").await(Duration.ofSeconds(60)), "the holder took the lock");
            org.multiprocessing4j.LockProxy lock = ctx.lock("held");
            assertTrue(!lock.tryLock(), "held by the other JVM");
            holder.kill();
            assertTrue(holder.join(Duration.ofSeconds(10)));
            assertEquals(-9, holder.exitCode().orElseThrow());
            assertTrue(lock.tryLock(30, TimeUnit.SECONDS), "released after its owner died");
            lock.unlock();
        }
    }

    private static int ownerIndex(LocalCluster cluster, ClusterContext ctx, String name) {
        Partition p = ((ClusterQueue<?>) ctx.queue(name)).grid.hz.getPartitionService().getPartition(name);
        String owner = p.getOwner().getAddress().getHost() + ":" + p.getOwner().getAddress().getPort();
        int i = cluster.members().indexOf(owner);
        assertTrue(i >= 0, "owner " + owner + " among " + cluster.members());
        return i;
    }
}
