package org.multiprocessing4j.cli.bench;

import static org.multiprocessing4j.cli.bench.SyncWorkloads.check;
import static org.multiprocessing4j.cli.bench.SyncWorkloads.readyReserve;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.multiprocessing4j.AsyncResult;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Pool;
import org.multiprocessing4j.ProcessPoolExecutor;
import org.multiprocessing4j.internal.process.Jit;

/**
 * {@code pool_map}, {@code pool_apply_async}, {@code pool_imap_unordered},
 * {@code process_pool_executor} and {@code pool_large_args} of the anchor's README, on this
 * library's {@link Pool} and {@link ProcessPoolExecutor} with 2 workers of the default (warm)
 * context. As in the anchor: the pool is created and warmed up before timing, each workload runs
 * untimed rounds of a tenth of its size first (for at least 3 s, see {@link #repeats}), and
 * every sample is checked (count and sum of squares, or payload lengths). Creating the pool includes waiting (untimed) for the warm
 * reserve to refill behind the workers it took, as the IPC workloads wait for it before each
 * sample: the refill's two JVM boots and warm-ups (about 1 s of CPU each, measured) would
 * otherwise run during the first samples on a 2-core machine. {@code square(x)} returns a long: {@code x * x} overflows an int
 * for the anchor's 1,000,000 items.
 */
final class PoolWorkloads {
    private PoolWorkloads() {}

    static long square(Integer x) {
        return (long) x * x;
    }

    static int payloadLen(byte[] b) {
        return b.length;
    }

    static long sumSquares(int n) {
        long s = 0;
        for (long i = 0; i < n; i++) {
            s += i * i;
        }
        return s;
    }

    /**
     * Python's {@code range(n)}: a lazy sequence whose elements are made when asked for, as the
     * anchor's {@code range(N)} is (it has a length, so CPython's map does not turn it into a
     * list). It was a list of {@code n} boxed integers made before each sample: measured
     * (2026-11-24, {@code -Xlog:gc} of the bench's JVM), with 1,000,000 of them alive through a
     * sample, the G1 young collections during the executor's map copied them and paused 100-180
     * ms, in samples of about 100 ms (3.8-13M tasks/s from sample to sample).
     */
    static List<Integer> range(int n) {
        return new Range(n);
    }

    private static final class Range extends java.util.AbstractList<Integer> implements java.util.RandomAccess {
        private final int n;

        Range(int n) {
            this.n = n;
        }

        @Override
        public Integer get(int index) {
            return java.util.Objects.checkIndex(index, n);
        }

        @Override
        public int size() {
            return n;
        }
    }

    private interface Sample {
        double run(int k) throws Exception;
    }

    /**
     * How long a pool workload's untimed warm-up runs at least (see {@link #repeats}): 3 s, or
     * {@code -Dmp4j.bench.poolWarmUpMillis}.
     *
     * <p>Measured with 0.5 s (2026-11-25, alternating runs of the pool workloads, 3 each,
     * medians): {@code pool_apply_async} 0.45-0.56 M tasks/s, against 2.19-2.59 M with 3 s;
     * {@code pool_map} with chunks of 1 1.22-1.41 M, against 2.34-2.89 M. The other pool rows
     * were within their spread. The workers' compile logs showed {@code PoolWorker.runTask} and
     * {@code runBatch} compiled again (C1, then C2) once a workload's own function reached them;
     * {@code Jit.awaitQuiet} waits for this JVM's compiler only.
     */
    private static final long WARM_UP_NANOS = Long.getLong("mp4j.bench.poolWarmUpMillis", 3000) * 1_000_000L;

    /**
     * The anchor's structure: an untimed run of {@code warmUp} tasks, then the timed repeats of
     * {@code n}. The warm-up run is repeated until {@link #WARM_UP_NANOS} have passed: in a
     * JIT-compiled runtime a warm-up is there to reach the code that the timed repeats are meant
     * to measure. Then this JVM's compiler finishes what the warm-up queued (the workers, idle
     * meanwhile, leave the CPUs to their own compilers).
     *
     * <p>Measured with a single warm-up run (2026-11-25, {@code -Xlog:jit+compilation} in every
     * JVM): C2 was still compiling the pool's side of this JVM (task encoding, result reading,
     * {@code Pool.onResults}, {@code sendBatch}, {@code feedImap}) through the first four or
     * five samples of each workload, whose samples rose through the seven: {@code pool_map}
     * with chunks of 1 from 0.36 to 1.05 M tasks/s, with the default chunks from 12 to 27 M.
     * Measured before (2026-11-24) without the wait for the compiler: the executor's map
     * samples rose through the seven, 4.7, 5.4, 8.0, 11.8, 14.2, 16.4, 15.4M tasks/s.
     */
    private static List<Double> repeats(Sizes sizes, int n, int warmUp, Sample s) throws Exception {
        long start = System.nanoTime();
        do {
            s.run(warmUp);
        } while (System.nanoTime() - start < WARM_UP_NANOS);
        Jit.awaitQuiet();
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < sizes.repeats(); i++) {
            out.add(s.run(n));
        }
        return out;
    }

    private static Pool pool() throws Exception {
        readyReserve();
        Pool pool = new Pool(2);
        List<Long> warm = pool.map(PoolWorkloads::square, range(10_000));
        check(warm.stream().mapToLong(Long::longValue).sum() == sumSquares(10_000), "pool warm-up");
        readyReserve(); // the reserve refills behind the workers the pool took: part of creating it, untimed
        return pool;
    }

    private static void close(Pool pool) throws InterruptedException {
        pool.close();
        check(pool.join(java.time.Duration.ofSeconds(60)), "pool did not end");
    }

    static Map<String, Object> params(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** {@code Pool(2).map(square, range(N), chunksize)}, default chunk size and 1; tasks/s. */
    static final class PoolMap implements Workload {
        @Override
        public String name() {
            return "pool_map";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            List<Result> out = new ArrayList<>();
            Pool pool = pool();
            try {
                for (int[] variant : new int[][] {{sizes.count("pool_map_n"), 0}, {sizes.count("pool_map_c1_n"), 1}}) {
                    int n = variant[0];
                    int chunksize = variant[1];
                    List<Double> samples = repeats(sizes, n, Math.max(n / 10, 1000), k -> {
                        List<Integer> items = range(k);
                        long t0 = System.nanoTime();
                        List<Long> res = chunksize == 0 ? pool.map(PoolWorkloads::square, items) : pool.map(PoolWorkloads::square, items, chunksize);
                        double dt = (System.nanoTime() - t0) / 1e9;
                        check(res.size() == k && res.get(k - 1) == (long) (k - 1) * (k - 1) && res.get(k / 2) == (long) (k / 2) * (k / 2),
                                "pool_map: wrong results");
                        check(res.stream().mapToLong(Long::longValue).sum() == sumSquares(k), "pool_map: checksum mismatch");
                        return k / dt;
                    });
                    Map<String, Object> p = params("processes", 2, "tasks", n, "function", "square(int)",
                            "chunksize", chunksize == 0 ? "default" : chunksize);
                    if (chunksize == 0) {
                        p.put("effective_chunksize", (n + 7) / 8);
                    }
                    out.add(new Result(name(), p, "tasks/s", "higher", samples));
                }
            } finally {
                close(pool);
            }
            return out;
        }
    }

    /** N x {@code applyAsync(square, i)}, then {@code get()} on every result; tasks/s. */
    static final class PoolApplyAsync implements Workload {
        @Override
        public String name() {
            return "pool_apply_async";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            int n = sizes.count("pool_apply_n");
            Pool pool = pool();
            try {
                List<Double> samples = repeats(sizes, n, Math.max(n / 10, 500), k -> {
                    long t0 = System.nanoTime();
                    List<AsyncResult<Long>> rs = new ArrayList<>(k);
                    for (int i = 0; i < k; i++) {
                        rs.add(pool.applyAsync(PoolWorkloads::square, i));
                    }
                    long sum = 0;
                    for (AsyncResult<Long> r : rs) {
                        sum += r.get();
                    }
                    double dt = (System.nanoTime() - t0) / 1e9;
                    check(sum == sumSquares(k), "pool_apply_async: checksum");
                    return k / dt;
                });
                return List.of(new Result(name(), params("processes", 2, "tasks", n, "function", "square(int)"),
                        "tasks/s", "higher", samples));
            } finally {
                close(pool);
            }
        }
    }

    /** {@code imapUnordered(square, range(N), 1)}, consumed fully; tasks/s. */
    static final class PoolImapUnordered implements Workload {
        @Override
        public String name() {
            return "pool_imap_unordered";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            int n = sizes.count("pool_imap_n");
            Pool pool = pool();
            try {
                List<Double> samples = repeats(sizes, n, Math.max(n / 10, 500), k -> {
                    List<Integer> items = range(k);
                    long t0 = System.nanoTime();
                    long cnt = 0;
                    long total = 0;
                    for (Iterator<Long> it = pool.imapUnordered(PoolWorkloads::square, items, 1); it.hasNext(); ) {
                        total += it.next();
                        cnt++;
                    }
                    double dt = (System.nanoTime() - t0) / 1e9;
                    check(cnt == k && total == sumSquares(k), "pool_imap_unordered: checksum");
                    return k / dt;
                });
                return List.of(new Result(name(), params("processes", 2, "tasks", n, "chunksize", 1, "function", "square(int)"),
                        "tasks/s", "higher", samples));
            } finally {
                close(pool);
            }
        }
    }

    /** {@link ProcessPoolExecutor}(2): N x submit then get; map with chunksize 1000; tasks/s. */
    static final class ProcessPoolExecutorWorkload implements Workload {
        @Override
        public String name() {
            return "process_pool_executor";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            int nSub = sizes.count("ppe_submit_n");
            int nMap = sizes.count("ppe_map_n");
            int cs = sizes.count("ppe_map_chunksize");
            readyReserve();
            List<Result> out = new ArrayList<>();
            try (ProcessPoolExecutor ex = new ProcessPoolExecutor(2)) {
                long warm = 0;
                for (Iterator<Long> it = ex.map(PoolWorkloads::square, range(2000), 1); it.hasNext(); ) {
                    warm += it.next();
                }
                check(warm == sumSquares(2000), "executor warm-up");
                readyReserve(); // as for Pool: the refill behind the executor's workers is part of creating it
                List<Double> submit = repeats(sizes, nSub, Math.max(nSub / 10, 500), k -> {
                    long t0 = System.nanoTime();
                    List<AsyncResult<Long>> fs = new ArrayList<>(k);
                    for (int i = 0; i < k; i++) {
                        fs.add(ex.submit(PoolWorkloads::square, i));
                    }
                    long sum = 0;
                    for (AsyncResult<Long> f : fs) {
                        sum += f.get();
                    }
                    double dt = (System.nanoTime() - t0) / 1e9;
                    check(sum == sumSquares(k), "executor submit: checksum");
                    return k / dt;
                });
                out.add(new Result(name(), params("api", "submit", "max_workers", 2, "tasks", nSub, "function", "square(int)"),
                        "tasks/s", "higher", submit));
                List<Double> map = repeats(sizes, nMap, Math.max(nMap / 10, 1000), k -> {
                    List<Integer> items = range(k);
                    long t0 = System.nanoTime();
                    long cnt = 0;
                    long total = 0;
                    for (Iterator<Long> it = ex.map(PoolWorkloads::square, items, cs); it.hasNext(); ) {
                        total += it.next();
                        cnt++;
                    }
                    double dt = (System.nanoTime() - t0) / 1e9;
                    check(cnt == k && total == sumSquares(k), "executor map: checksum");
                    return k / dt;
                });
                out.add(new Result(name(), params("api", "map", "max_workers", 2, "tasks", nMap, "chunksize", cs,
                        "function", "square(int)"), "tasks/s", "higher", map));
            }
            return out;
        }
    }

    /** {@code Pool(2).map(payloadLen, payloads)} over distinct 1 MiB byte arrays, default chunk size; MB/s. */
    static final class PoolLargeArgs implements Workload {
        @Override
        public String name() {
            return "pool_large_args";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            int count = sizes.count("large_count");
            int size = sizes.count("large_size");
            byte[] block = new byte[size];
            ThreadLocalRandom.current().nextBytes(block);
            List<byte[]> payloads = new ArrayList<>(count);
            for (int j = 0; j < count; j++) {
                byte[] p = block.clone();
                for (int i = 0; i < 8; i++) {
                    p[i] = (byte) (j >>> (8 * i));
                }
                payloads.add(p);
            }
            Pool pool = pool();
            try {
                List<Double> samples = repeats(sizes, count, Math.max(count / 10, 4), k -> {
                    List<byte[]> args = payloads.subList(0, k);
                    long t0 = System.nanoTime();
                    List<Integer> res = pool.map(PoolWorkloads::payloadLen, args);
                    double dt = (System.nanoTime() - t0) / 1e9;
                    check(res.size() == k && res.stream().allMatch(r -> r == size), "pool_large_args: wrong lengths");
                    return (double) k * size / dt / 1e6;
                });
                return List.of(new Result(name(), params("processes", 2, "payloads", count, "payload_bytes", size,
                        "chunksize", "default", "effective_chunksize", (count + 7) / 8, "returns", "len"), "MB/s", "higher", samples));
            } finally {
                close(pool);
            }
        }
    }
}
