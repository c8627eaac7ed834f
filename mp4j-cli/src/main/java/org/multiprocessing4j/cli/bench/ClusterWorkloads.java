package org.multiprocessing4j.cli.bench;

import static org.multiprocessing4j.cli.bench.SyncWorkloads.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.multiprocessing4j.cluster.ClusterContext;
import org.multiprocessing4j.cluster.ClusterPool;
import org.multiprocessing4j.cluster.LocalCluster;

/**
 * The cluster context beside the local figures (issue 8), on a {@link LocalCluster} of member
 * JVMs on this machine. Not workloads of the anchor (CPython has no counterpart): they run only
 * when named with {@code --only}, and their names start with {@code cluster_}. The cluster is
 * started before timing; every repeat is preceded by an untimed run at a tenth of the size.
 *
 * <ul>
 *   <li>{@code cluster_queue_latency}: ping-pong over two cluster queues between this JVM (a
 *       client) and a pool task on a member; us per round trip (local: {@code queue_latency}).
 *   <li>{@code cluster_queue_throughput}: this JVM puts N ints, a task on a member takes them;
 *       msgs/s from the first put to the task's answer (local: {@code queue_throughput}, P=C=1).
 *   <li>{@code cluster_pool_map}: {@code pool.map(square, range(N), chunksize)} over 3 members,
 *       chunksize 1 and {@code ceil(N / (4 * members))}; tasks/s (local: {@code pool_map}).
 *   <li>{@code cluster_cpu_map}: 24 CPU-bound tasks (about 65 ms each) on clusters of 1, 2 and 3
 *       members with one task thread each: the scaling of a CPU-bound map; tasks/s.
 * </ul>
 */
final class ClusterWorkloads {
    private ClusterWorkloads() {}

    private static final int MEMBERS = 3;

    static int echo(List<BlockingQueue<Integer>> qs, Integer k) throws InterruptedException {
        for (int i = 0; i < k; i++) {
            qs.get(1).put(qs.get(0).take() + 1);
        }
        return k;
    }

    static int drain(BlockingQueue<Integer> q, Integer k) throws InterruptedException {
        long sum = 0;
        for (int i = 0; i < k; i++) {
            sum += q.take();
        }
        return sum == (long) k * (k - 1) / 2 ? k : -1;
    }

    static int square(Integer x) {
        return x * x;
    }

    /**
     * About 65 ms of arithmetic on this project's machines: a xorshift chain the JIT cannot fold
     * (a linear congruential loop was folded: 50 million steps took 2.5 ms).
     */
    static long spin(Integer seed) {
        long x = seed + 0x9E3779B97F4A7C15L;
        long hits = 0;
        for (int i = 0; i < 40_000_000; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            if ((x & 1023) == 0) {
                hits++;
            }
        }
        return hits;
    }

    private static int n(Sizes sizes, int full, int quick) {
        return sizes.mode().equals("quick") ? quick : full;
    }

    private static Map<String, Object> params(Object... kv) {
        Map<String, Object> p = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put((String) kv[i], kv[i + 1]);
        }
        return p;
    }

    private interface Timed {
        /** Runs once with size k; returns seconds. */
        double run(int k) throws Exception;
    }

    private static List<Double> samples(Sizes sizes, int n, Timed timed, java.util.function.DoubleUnaryOperator perRun)
            throws Exception {
        List<Double> out = new ArrayList<>();
        for (int r = -1; r < sizes.repeats(); r++) {
            int k = r < 0 ? Math.max(n / 10, 10) : n;
            double secs = timed.run(k);
            if (r >= 0) {
                out.add(perRun.applyAsDouble(secs));
            }
        }
        return out;
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(5, TimeUnit.MINUTES);
    }

    private abstract static class OnCluster implements Workload {
        @Override
        public boolean inDefaultRun() {
            return false;
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            try (LocalCluster cluster = LocalCluster.start(MEMBERS, Runtime.getRuntime().availableProcessors());
                    ClusterContext ctx = ClusterContext.connect(cluster.config())) {
                ctx.register(ClusterWorkloads.class);
                return run(sizes, ctx, ctx.pool());
            }
        }

        abstract List<Result> run(Sizes sizes, ClusterContext ctx, ClusterPool pool) throws Exception;
    }

    static final class QueueLatency extends OnCluster {
        @Override
        public String name() {
            return "cluster_queue_latency";
        }

        @Override
        List<Result> run(Sizes sizes, ClusterContext ctx, ClusterPool pool) throws Exception {
            int n = n(sizes, 2_000, 500);
            BlockingQueue<Integer> q1 = ctx.queue();
            BlockingQueue<Integer> q2 = ctx.queue();
            List<Double> s = samples(sizes, n, k -> {
                CompletableFuture<Integer> partner = pool.applyAsync(ClusterWorkloads::echo, List.of(q1, q2), k);
                long t0 = System.nanoTime();
                for (int i = 0; i < k; i++) {
                    q1.put(i);
                    Integer answer = q2.poll(60, TimeUnit.SECONDS);
                    if (answer == null) {
                        get(partner); // throws the partner's failure, if it failed
                        throw new IllegalStateException("cluster_queue_latency: no answer in 60 s");
                    }
                    check(answer == i + 1, "cluster_queue_latency: wrong answer");
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                check(get(partner) == k, "cluster_queue_latency: partner count");
                return secs / k;
            }, secs -> secs * 1e6);
            return List.of(new Result(name(), params("roundtrips", n, "members", MEMBERS, "message", "int"),
                    "us/roundtrip", "lower", s));
        }
    }

    static final class QueueThroughput extends OnCluster {
        @Override
        public String name() {
            return "cluster_queue_throughput";
        }

        @Override
        List<Result> run(Sizes sizes, ClusterContext ctx, ClusterPool pool) throws Exception {
            int n = n(sizes, 20_000, 5_000);
            BlockingQueue<Integer> q = ctx.queue();
            int[] last = new int[1];
            List<Double> s = samples(sizes, n, k -> {
                last[0] = k;
                CompletableFuture<Integer> consumer = pool.applyAsync(ClusterWorkloads::drain, q, k);
                long t0 = System.nanoTime();
                for (int i = 0; i < k; i++) {
                    q.put(i);
                }
                check(get(consumer) == k, "cluster_queue_throughput: consumer saw a wrong sum");
                return (System.nanoTime() - t0) / 1e9 / k;
            }, secsPerMsg -> 1 / secsPerMsg);
            check(q.isEmpty(), "cluster_queue_throughput: queue not empty");
            return List.of(new Result(name(), params("n", n, "producers", 1, "consumers", 1, "members", MEMBERS,
                    "message", "int"), "msgs/s", "higher", s));
        }
    }

    static final class PoolMap extends OnCluster {
        @Override
        public String name() {
            return "cluster_pool_map";
        }

        @Override
        List<Result> run(Sizes sizes, ClusterContext ctx, ClusterPool pool) throws Exception {
            List<Result> out = new ArrayList<>();
            int n1 = n(sizes, 2_000, 500);
            out.add(map(sizes, pool, n1, 1, "1"));
            int n = n(sizes, 100_000, 20_000);
            out.add(map(sizes, pool, n, (n + 4 * MEMBERS - 1) / (4 * MEMBERS), "default"));
            return out;
        }

        private Result map(Sizes sizes, ClusterPool pool, int n, int chunksize, String label) throws Exception {
            List<Double> s = samples(sizes, n, k -> {
                List<Integer> items = IntStream.range(0, k).boxed().toList();
                long t0 = System.nanoTime();
                List<Integer> r = pool.map(ClusterWorkloads::square, items, Math.max(1, Math.min(chunksize, k)));
                double secs = (System.nanoTime() - t0) / 1e9;
                check(r.size() == k && r.get(k - 1) == (k - 1) * (k - 1), "cluster_pool_map: wrong results");
                return secs / k;
            }, secsPerTask -> 1 / secsPerTask);
            return new Result(name(), params("n", n, "chunksize", label, "members", MEMBERS, "function", "square",
                    "effective_chunksize", chunksize), "tasks/s", "higher", s);
        }
    }

    static final class CpuMap implements Workload {
        @Override
        public String name() {
            return "cluster_cpu_map";
        }

        @Override
        public boolean inDefaultRun() {
            return false;
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            List<Result> out = new ArrayList<>();
            int tasks = 24;
            for (int members = 1; members <= MEMBERS; members++) {
                try (LocalCluster cluster = LocalCluster.start(members, 1);
                        ClusterContext ctx = ClusterContext.connect(cluster.config())) {
                    ctx.register(ClusterWorkloads.class);
                    ClusterPool pool = ctx.pool();
                    List<Double> s = samples(sizes, tasks, k -> {
                        List<Integer> items = IntStream.range(0, k).boxed().toList();
                        long t0 = System.nanoTime();
                        List<Long> r = pool.map(ClusterWorkloads::spin, items, 1);
                        double secs = (System.nanoTime() - t0) / 1e9;
                        check(r.size() == k, "cluster_cpu_map: results");
                        return secs / k;
                    }, secsPerTask -> 1 / secsPerTask);
                    out.add(new Result(name(), params("tasks", tasks, "members", members, "task_threads", 1,
                            "function", "65 ms of arithmetic"), "tasks/s", "higher", s));
                }
            }
            return out;
        }
    }
}
