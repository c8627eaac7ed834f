package org.multiprocessing4j.cli.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.multiprocessing4j.Context;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Process;

/**
 * {@code process_start_join}: {@code Process(target=empty)}, start(), join(), one process per
 * sample, for each start method. Compared (by ../shared/bench/compare.py) with CPython's spawn
 * for our spawn, and with CPython's fork for warm and thread.
 *
 * <p>Untimed, as CPython's forkserver start-up is untimed: before the samples, the context is
 * prepared (AOT cache built, warm reserve full); for warm, before each sample, the reserve is
 * allowed to refill, so that each sample takes a pre-started JVM (refilling is the background
 * cost of the warm method: one JVM boot per process).
 */
final class ProcessStartJoin implements Workload {
    private static final Duration PREPARE = Duration.ofSeconds(120);

    @Override
    public String name() {
        return "process_start_join";
    }

    static void empty() {
        // the target of every sample
    }

    @Override
    public List<Result> run(Sizes sizes) throws Exception {
        List<Result> out = new ArrayList<>();
        for (String method : List.of("spawn", "warm", "thread")) {
            Context ctx = Multiprocessing.context(method);
            one(ctx); // registers the target's class, so that prepare() readies JVMs for it
            if (!ctx.prepare(PREPARE)) {
                throw new IllegalStateException(method + ": context not ready within " + PREPARE);
            }
            for (int i = 0; i < 3; i++) {
                one(ctx); // warm-up
            }
            List<Double> samples = new ArrayList<>();
            for (int i = 0; i < sizes.startSamples().get(method); i++) {
                samples.add(one(ctx));
            }
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("start_method", method);
            out.add(new Result(name(), params, "ms/process", "lower", samples));
        }
        return out;
    }

    private static double one(Context ctx) throws Exception {
        if (ctx.startMethod() == org.multiprocessing4j.StartMethod.WARM) {
            ctx.prepare(PREPARE); // untimed: let the reserve refill
        }
        long t0 = System.nanoTime();
        Process p = ctx.process(ProcessStartJoin::empty);
        p.start();
        p.join();
        double ms = (System.nanoTime() - t0) / 1e6;
        int code = p.exitCode().orElse(Integer.MIN_VALUE);
        if (code != 0) {
            throw new IllegalStateException("CHECK FAILED: process exit code " + code);
        }
        p.close();
        return ms;
    }
}
