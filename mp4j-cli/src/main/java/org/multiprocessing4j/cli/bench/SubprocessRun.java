package org.multiprocessing4j.cli.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.multiprocessing4j.internal.process.Jit;
import org.multiprocessing4j.subprocess.CompletedProcess;
import org.multiprocessing4j.subprocess.Options;
import org.multiprocessing4j.subprocess.Subprocess;

/**
 * {@code subprocess_run} of the anchor's README: N x {@code run(["true"], capture_output=True)},
 * start to exit, each checked for return code 0; ms per run.
 */
final class SubprocessRun implements Workload {
    @Override
    public String name() {
        return "subprocess_run";
    }

    @Override
    public List<Result> run(Sizes sizes) throws Exception {
        int n = sizes.count("subprocess_n");
        one(Math.max(n / 10, 5));
        // untimed, as after the other workloads' warm-up: the JIT finishes what the warm-up queued.
        // Measured (2026-11-24, compiler threads' CPU from /proc/self/task/*/schedstat): without
        // it, C1 and C2 ran 130-210 ms during the first 200 timed runs (of about 240 ms).
        Jit.awaitQuiet();
        List<Double> samples = new java.util.ArrayList<>();
        for (int i = 0; i < sizes.repeats(); i++) {
            samples.add(one(n));
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("runs", n);
        params.put("command", "true");
        params.put("capture_output", true);
        return List.of(new Result(name(), params, "ms/run", "lower", samples));
    }

    private static double one(int k) throws Exception {
        Options capture = Options.defaults().captureOutput();
        long t0 = System.nanoTime();
        for (int i = 0; i < k; i++) {
            CompletedProcess r = Subprocess.run(List.of("true"), capture);
            SyncWorkloads.check(r.returncode() == 0, "subprocess_run: true failed with " + r.returncode());
        }
        return (System.nanoTime() - t0) / 1e6 / k;
    }
}
