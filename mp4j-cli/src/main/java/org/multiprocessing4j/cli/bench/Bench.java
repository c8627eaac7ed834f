package org.multiprocessing4j.cli.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.internal.process.Jit;

/**
 * {@code ./mp4j bench}: our side of ../shared/bench/python/mp_anchor.py. Same workload names,
 * parameters, sizes, repeat structure (untimed warm-up, then repeats; the value is the median),
 * checks and JSON schema; {@code --vs-python} runs this repository's CPython counterpart
 * (bench/python/cpython_counterpart.py) in the same invocation and prints the ratios.
 */
public final class Bench {
    /** Our rows compared with another CPython row (as ../shared/bench/compare.py pairs them). */
    static final Map<String, String> START_METHOD_PAIRS = Map.of("spawn", "spawn", "warm", "fork", "thread", "fork");
    static final Set<String> DESCRIPTIVE = Set.of("function", "message", "value", "op", "returns", "effective_chunksize");

    /** The start method of every workload except process_start_join. */
    static final String WORKLOAD_START_METHOD = "warm";
    private static final List<Workload> WORKLOADS = List.of(new ProcessStartJoin(),
            new IpcWorkloads.PipeRoundtrip(), new IpcWorkloads.PipeBytesBandwidth(), new IpcWorkloads.QueueThroughput(),
            new IpcWorkloads.QueueLatency(), new IpcWorkloads.JoinableQueueWorkload(),
            new SyncWorkloads.LockUncontended(), new SyncWorkloads.LockContended(), new SyncWorkloads.ValueIncrement(),
            new SharedBuffer(true), new SharedBuffer(false),
            new ManagerWorkloads.DictOps(), new ManagerWorkloads.QueueOps(),
            new PoolWorkloads.PoolMap(), new PoolWorkloads.PoolApplyAsync(), new PoolWorkloads.PoolImapUnordered(),
            new PoolWorkloads.ProcessPoolExecutorWorkload(), new PoolWorkloads.PoolLargeArgs(), new SubprocessRun(),
            new ClusterWorkloads.QueueLatency(), new ClusterWorkloads.QueueThroughput(), new ClusterWorkloads.PoolMap(),
            new ClusterWorkloads.CpuMap());

    private Bench() {}

    public static int main(String[] args, PrintStream out, PrintStream err) throws Exception {
        boolean quick = false;
        boolean vsPython = false;
        String json = null;
        List<String> only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--vs-python" -> vsPython = true;
                case "--json" -> json = argument(args, ++i, "--json");
                case "--only" -> only = Arrays.stream(argument(args, ++i, "--only").split(",")).map(String::trim)
                        .filter(s -> !s.isEmpty()).toList();
                case "--list" -> {
                    WORKLOADS.forEach(w -> out.println(w.name() + (w.inDefaultRun() ? "" : "   (only with --only)")));
                    return 0;
                }
                case "--help", "-h" -> {
                    usage(out);
                    return 0;
                }
                default -> {
                    err.println("mp4j bench: unknown option " + args[i]);
                    usage(err);
                    return 2;
                }
            }
        }
        List<Workload> selected = new ArrayList<>();
        for (Workload w : WORKLOADS) {
            if (only == null ? w.inDefaultRun() : only.contains(w.name())) {
                selected.add(w);
            }
        }
        if (only != null) {
            for (String name : only) {
                if (WORKLOADS.stream().noneMatch(w -> w.name().equals(name))) {
                    err.println("mp4j bench: unknown workload '" + name + "' (./mp4j bench --list)");
                    return 2;
                }
            }
        }
        Sizes sizes = Sizes.of(quick);
        // The workloads' children are pre-started JVMs: our counterpart of the anchor's platform
        // default, fork (a child that starts from a warm parent). process_start_join names its
        // contexts itself.
        Multiprocessing.setStartMethod(WORKLOAD_START_METHOD, true);
        Map<String, Object> env = Environment.describe();
        env.put("loadavg_start", Environment.loadavg());
        List<Map<String, Object>> results = new ArrayList<>();
        List<Map<String, Object>> failures = new ArrayList<>();
        List<Result> plain = new ArrayList<>();
        long tStart = System.nanoTime();
        // Untimed start-up: this JVM's side of the library's hot paths compiled before the first
        // workload (Multiprocessing.warmUp, what each pre-started child does while idle). Measured
        // without it (2026-11-24, -Xlog:jit+compilation and perf sched): C2 compiled Ring.put,
        // the VarHandle accessors and the codec paths in this JVM during the samples of
        // pipe_roundtrip, taking one of two cores from the two processes doing the round trips.
        Multiprocessing.warmUp();
        err.printf("[%7.1fs] warm-up of this JVM done%n", (System.nanoTime() - tStart) / 1e9);
        for (Workload w : selected) {
            // Untimed: the JIT finishes what this JVM's start or the workload before queued, so a
            // workload's samples do not share two cores with compilations of unrelated code. A
            // fresh JVM compiles ~1,100 methods in its first second; in a probe of 100-run chunks
            // of subprocess runs, chunks during which the JIT worked 60-80 ms ran 0.81-0.89
            // ms/run, quiet ones 0.62-0.65. A workload's own compilations stay in its samples.
            Jit.awaitQuiet();
            err.printf("[%7.1fs] %s ...%n", (System.nanoTime() - tStart) / 1e9, w.name());
            Watchdog dog = Watchdog.arm(w.timeLimitSeconds(sizes), w.name(), err);
            long t0 = System.nanoTime();
            try {
                List<Result> res = w.run(sizes);
                double secs = (System.nanoTime() - t0) / 1e9;
                for (Result r : res) {
                    err.printf("           %-22s %-40s median %s %s%n", r.workload(), params(r.parameters()), fmt(r.median()), r.unit());
                    results.add(r.toJson(secs));
                    plain.add(r);
                }
            } catch (Exception | AssertionError e) {
                err.println("FAILED: " + w.name() + ": " + e);
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("workload", w.name());
                f.put("error", String.valueOf(e));
                failures.add(f);
            } finally {
                dog.disarm();
            }
        }
        double elapsed = (System.nanoTime() - tStart) / 1e9;
        env.put("loadavg_end", Environment.loadavg());
        printTable(out, plain, failures, env, sizes.mode(), elapsed);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema_version", 1);
        doc.put("benchmark", "mp4j");
        doc.put("mode", sizes.mode());
        doc.put("timestamp_utc", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        doc.put("total_seconds", Math.round(elapsed * 100) / 100.0);
        doc.put("environment", env);
        doc.put("results", results);
        doc.put("failures", failures);
        if (json != null) {
            Path p = Path.of(json).toAbsolutePath();
            Files.createDirectories(p.getParent());
            Files.writeString(p, Json.write(doc), StandardCharsets.UTF_8);
            err.println("wrote " + p);
        }
        int status = failures.isEmpty() ? 0 : 1;
        if (vsPython) {
            // the cluster's workloads have no CPython counterpart
            List<String> paired = selected.stream().filter(Workload::inDefaultRun).map(Workload::name).toList();
            if (!paired.isEmpty()) {
                status = Math.max(status, VsPython.run(quick, paired, plain, out, err));
            }
        }
        return status;
    }

    private static String argument(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    static void usage(PrintStream out) {
        out.println("""
                usage: ./mp4j bench [--quick] [--only NAME[,NAME]] [--json FILE] [--vs-python] [--list]

                  --quick        the anchor's quick sizes (3 repeats)
                  --only a,b     run only these workloads (--list shows them)
                  --json FILE    also write the results as JSON (the schema of mp_anchor.py)
                  --vs-python    then run bench/python/cpython_counterpart.py on the same workloads and sizes
                                 and print how many times faster than CPython each row is""");
    }

    static String params(Map<String, Object> p) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : p.entrySet()) {
            if (!DESCRIPTIVE.contains(e.getKey())) {
                sb.append(sb.isEmpty() ? "" : " ").append(e.getKey()).append('=').append(e.getValue());
            }
        }
        return sb.toString();
    }

    static String fmt(double x) {
        if (x >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", x);
        }
        if (x >= 100) {
            return String.format(Locale.ROOT, "%.1f", x);
        }
        if (x >= 10) {
            return String.format(Locale.ROOT, "%.2f", x);
        }
        return String.format(Locale.ROOT, "%.3f", x);
    }

    private static void printTable(PrintStream out, List<Result> results, List<Map<String, Object>> failures,
            Map<String, Object> env, String mode, double elapsed) {
        out.printf("%nmultiprocessing4j benchmark  (mode=%s)%n", mode);
        out.printf("java %s | %s | cpus=%s | start method for workloads: %s%n", env.get("java_version"), env.get("platform"),
                env.get("cpu_count"), env.get("workload_start_method"));
        if (env.get("cpu_model") != null) {
            out.println("cpu: " + env.get("cpu_model"));
        }
        out.printf("loadavg before=%s after=%s | total %.1f s%n%n", env.get("loadavg_start"), env.get("loadavg_end"), elapsed);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"workload", "parameters", "median", "unit", "min", "max", "n"});
        for (Result r : results) {
            double min = r.samples().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double max = r.samples().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            rows.add(new String[] {r.workload(), params(r.parameters()), fmt(r.median()), r.unit(), fmt(min), fmt(max),
                Integer.toString(r.samples().size())});
        }
        Table.print(out, rows, Set.of(2, 4, 5, 6));
        if (!failures.isEmpty()) {
            out.println("\nFAILED workloads (no numbers reported):");
            for (Map<String, Object> f : failures) {
                out.println("  " + f.get("workload") + ": " + f.get("error"));
            }
        }
        out.flush();
    }

    /** Kills the children and exits with status 3 when a workload runs past its limit (as the anchor does). */
    static final class Watchdog {
        private final Thread thread;

        private Watchdog(Thread thread) {
            this.thread = thread;
        }

        static Watchdog arm(int seconds, String label, PrintStream err) {
            Thread t = Thread.ofPlatform().daemon().name("mp4j-bench-watchdog").start(() -> {
                try {
                    Thread.sleep(seconds * 1000L);
                } catch (InterruptedException e) {
                    return;
                }
                err.printf("%nFATAL: workload '%s' exceeded its %d s time limit; killing child processes and exiting.%n", label, seconds);
                for (Process p : Multiprocessing.activeChildren()) {
                    p.kill();
                }
                Runtime.getRuntime().halt(3);
            });
            return new Watchdog(t);
        }

        void disarm() {
            thread.interrupt();
        }
    }

    /** Environment facts, with the anchor's keys where they apply. */
    static final class Environment {
        private Environment() {}

        static Map<String, Object> describe() {
            Map<String, Object> env = new TreeMap<>();
            env.put("java_version", Runtime.version().toString());
            env.put("java_vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
            env.put("platform", System.getProperty("os.name") + "-" + System.getProperty("os.version") + "-" + System.getProperty("os.arch"));
            env.put("cpu_count", Runtime.getRuntime().availableProcessors());
            env.put("usable_cpus", Runtime.getRuntime().availableProcessors());
            env.put("workload_start_method", Multiprocessing.getStartMethod());
            env.put("available_start_methods", Multiprocessing.allStartMethods());
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("model name")) {
                        env.put("cpu_model", line.substring(line.indexOf(':') + 1).trim());
                        break;
                    }
                }
                for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                    if (line.startsWith("MemTotal:")) {
                        env.put("mem_total_kib", Long.parseLong(line.split("\\s+")[1]));
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux: leave them out
            }
            return new LinkedHashMap<>(env);
        }

        static List<Double> loadavg() {
            try {
                String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
                return List.of(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }
}
