package org.multiprocessing4j.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import org.multiprocessing4j.Context;
import org.multiprocessing4j.Lock;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.Value;

/**
 * {@code lock_uncontended}, {@code lock_contended} and {@code value_increment} of the anchor's
 * README, on this library's {@link Lock} and {@link Value}. Children are processes of the default
 * start method; their start-up is untimed ({@link Group}).
 */
final class SyncWorkloads {
    private SyncWorkloads() {}

    static List<Double> repeat(int n, IntToDoubleFunction sample) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(sample.applyAsDouble(i));
        }
        return out;
    }

    /**
     * Untimed: lets the default context's pre-started JVMs be ready. Called before children start
     * (so that each child takes a pre-started JVM) and again once they are ready (so that the
     * refill their start caused, one JVM boot each, is over before the timed part; CPython's
     * fork has no such background cost, and the spec leaves start-up out of the timing).
     */
    static void readyReserve() throws InterruptedException {
        readyReserve(Multiprocessing.defaultContext());
    }

    /** {@link #readyReserve()} of another context. */
    static void readyReserve(Context context) throws InterruptedException {
        if (!context.prepare(java.time.Duration.ofSeconds(120))) {
            throw new IllegalStateException(context + " was not ready within 120 s");
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("CHECK FAILED: " + what);
        }
    }

    /** {@code lock.acquire(); lock.release()} in one process, ns per pair. */
    static final class LockUncontended implements Workload {
        @Override
        public String name() {
            return "lock_uncontended";
        }

        @Override
        public List<Result> run(Sizes sizes) throws InterruptedException {
            readyReserve(); // no JVM of an earlier workload's refill booting beside the timing
            int n = sizes.count("lock_n");
            Lock lock = Multiprocessing.lock();
            IntToDoubleFunction run = k -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < k; i++) {
                    lock.lock();
                    lock.unlock();
                }
                long dt = System.nanoTime() - t0;
                check(lock.tryLock(), "lock_uncontended: lock not free after loop");
                check(!lock.tryLock(), "lock_uncontended: lock acquired twice");
                lock.unlock();
                return (double) dt / k;
            };
            run.applyAsDouble(Math.max(n / 10, 1000));
            List<Double> samples = repeat(sizes.repeats(), i -> run.applyAsDouble(n));
            return List.of(new Result(name(), Map.of("pairs", n), "ns/pair", "lower", samples));
        }
    }

    /** A child of lock_contended: k times acquire, increment a raw shared int, release. */
    static final class LockIncrementer extends Process {
        private final Group group;
        private final Lock lock;
        private final Value counter;
        private final int k;

        LockIncrementer(Group group, Lock lock, Value counter, int k) {
            this.group = group;
            this.lock = lock;
            this.counter = counter;
            this.k = k;
        }

        @Override
        public void run() throws InterruptedException {
            group.readyThenAwaitGo();
            for (int i = 0; i < k; i++) {
                lock.lock();
                counter.set(counter.getLong() + 1);
                lock.unlock();
            }
            group.done.release();
        }
    }

    /** A child of value_increment: k times {@code with v.get_lock(): v.value += 1}. */
    static final class ValueIncrementer extends Process {
        private final Group group;
        private final Value v;
        private final int k;

        ValueIncrementer(Group group, Value v, int k) {
            this.group = group;
            this.v = v;
            this.k = k;
        }

        @Override
        public void run() throws InterruptedException {
            group.readyThenAwaitGo();
            java.util.concurrent.locks.Lock lock = v.getLock();
            for (int i = 0; i < k; i++) {
                lock.lock();
                try {
                    v.set(v.getLong() + 1);
                } finally {
                    lock.unlock();
                }
            }
            group.done.release();
        }
    }

    /** Starts the children, waits until ready, times go to all done; returns seconds. */
    static double runGroup(Group group, List<Process> children) throws InterruptedException {
        return runGroup(Multiprocessing.defaultContext(), group, children);
    }

    /**
     * With {@code -Dmp4j.bench.windows=true}, {@link #runGroup} prints each timed window to stderr
     * as {@code WINDOW <t0 ns> <length ns> <parent pid> <child pids...>}, t0 in
     * {@link System#nanoTime()} units (CLOCK_MONOTONIC on Linux), so that a trace recorded with
     * {@code perf record -k CLOCK_MONOTONIC} can be cut to the windows: see
     * {@code bench/tools/sched_windows.py}.
     */
    private static final boolean PRINT_WINDOWS = Boolean.getBoolean("mp4j.bench.windows");

    /** {@link #runGroup(Group, List)} for children of {@code context}. */
    static double runGroup(Context context, Group group, List<Process> children) throws InterruptedException {
        readyReserve(context);
        for (Process p : children) {
            p.start();
        }
        group.awaitReady(children.size());
        readyReserve(context); // start-up includes the reserve's refill: it would otherwise run beside the timed work
        long t0 = System.nanoTime();
        group.go(children.size());
        group.awaitDone(children.size());
        long t1 = System.nanoTime();
        double dt = (t1 - t0) / 1e9;
        if (PRINT_WINDOWS) {
            StringBuilder w = new StringBuilder("WINDOW ").append(t0).append(' ').append(t1 - t0).append(' ')
                    .append(ProcessHandle.current().pid());
            for (Process p : children) {
                w.append(' ').append(p.pid());
            }
            System.err.println(w);
        }
        for (Process p : children) {
            p.join();
            check(p.exitCode().orElse(-999) == 0, p + " exit code");
        }
        return dt;
    }

    /** A group run with k per process. */
    interface GroupRun {
        double run(int k) throws InterruptedException;
    }

    /** The anchor's structure: one untimed run at a tenth of the size, then the timed repeats. */
    static List<Double> warmUpThenRepeat(Sizes sizes, int k, GroupRun one) throws InterruptedException {
        one.run(Math.max(k / 10, 1000));
        List<Double> samples = new ArrayList<>();
        for (int i = 0; i < sizes.repeats(); i++) {
            samples.add(one.run(k));
        }
        return samples;
    }

    /** 2 processes x k lock-protected increments of a raw Value, ops/s total. */
    static final class LockContended implements Workload {
        @Override
        public String name() {
            return "lock_contended";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            int k = sizes.count("lock_k");
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("processes", 2);
            params.put("ops_per_process", k);
            return List.of(new Result(name(), params, "ops/s", "higher", warmUpThenRepeat(sizes, k, LockContended::one)));
        }

        private static double one(int k) throws InterruptedException {
            Multiprocessing.register(Group.class);
            Group g = new Group();
            Lock lock = Multiprocessing.lock();
            Value counter = Multiprocessing.rawValue('i', 0);
            double dt = runGroup(g, List.of(new LockIncrementer(g, lock, counter, k), new LockIncrementer(g, lock, counter, k)));
            check(counter.getLong() == 2L * k, "lock_contended: counter " + counter.getLong() + ", expected " + 2L * k);
            return 2.0 * k / dt;
        }
    }

    /** 2 processes x k increments of a Value under its own lock, ops/s total. */
    static final class ValueIncrement implements Workload {
        @Override
        public String name() {
            return "value_increment";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            int k = sizes.count("value_k");
            List<Double> samples = warmUpThenRepeat(sizes, k, ValueIncrement::one);
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("processes", 2);
            params.put("increments_per_process", k);
            params.put("typecode", "i");
            return List.of(new Result(name(), params, "ops/s", "higher", samples));
        }

        private static double one(int k) throws InterruptedException {
            Multiprocessing.register(Group.class);
            Group g = new Group();
            Value v = Multiprocessing.value('i', 0);
            double dt = runGroup(g, List.of(new ValueIncrementer(g, v, k), new ValueIncrementer(g, v, k)));
            check(v.getLong() == 2L * k, "value_increment: value " + v.getLong() + ", expected " + 2L * k);
            return 2.0 * k / dt;
        }
    }
}
