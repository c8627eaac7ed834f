package org.multiprocessing4j.cli.bench;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --vs-python}: runs bench/python/cpython_counterpart.py (this repository's CPython side of
 * the same workloads, written from the anchor's README) on the same workloads and sizes, right
 * after ours, and prints how many times faster than CPython each row is: ours/cpython for
 * higher-is-better units, cpython/ours for lower-is-better ones.
 */
final class VsPython {
    private VsPython() {}

    static int run(boolean quick, List<String> workloads, List<Result> ours, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        Path script = script();
        if (script == null) {
            err.println("mp4j bench --vs-python: bench/python/cpython_counterpart.py not found (set -Dmp4j.home to the repository)");
            return 1;
        }
        Path json = Files.createTempFile("mp4j-cpython-", ".json");
        try {
            List<String> cmd = new ArrayList<>(List.of("python3", script.toString(), "--json", json.toString(),
                    "--only", String.join(",", workloads)));
            if (quick) {
                cmd.add("--quick");
            }
            err.println("running CPython's counterpart: " + String.join(" ", cmd));
            java.lang.Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            int status = p.waitFor();
            if (status != 0 || Files.size(json) == 0) {
                err.println("CPython counterpart failed with status " + status);
                return 1;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> doc = (Map<String, Object>) Json.parse(Files.readString(json, StandardCharsets.UTF_8));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> py = (List<Map<String, Object>>) doc.get("results");
            out.println();
            out.println("multiprocessing4j vs CPython " + ((Map<?, ?>) doc.get("environment")).get("python_version")
                    + " (same invocation; x faster > 1 means faster than CPython)");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"workload", "parameters", "ours", "cpython", "unit", "x faster"});
            for (Result r : ours) {
                Map<String, Object> match = find(py, r);
                String cp = match == null ? "missing" : Bench.fmt(((Number) match.get("value")).doubleValue());
                String ratio = "-";
                if (match != null) {
                    double c = ((Number) match.get("value")).doubleValue();
                    double x = "higher".equals(r.better()) ? r.median() / c : c / r.median();
                    ratio = String.format(java.util.Locale.ROOT, "%.2f", x);
                }
                rows.add(new String[] {r.workload(), Bench.params(r.parameters()), Bench.fmt(r.median()), cp, r.unit(), ratio});
            }
            Table.print(out, rows, Set.of(2, 3, 5));
            return 0;
        } finally {
            Files.deleteIfExists(json);
        }
    }

    /** The CPython row for one of ours: same workload and parameters, with the start-method pairing. */
    static Map<String, Object> find(List<Map<String, Object>> py, Result ours) {
        for (Map<String, Object> row : py) {
            if (!ours.workload().equals(row.get("workload"))) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> params = (Map<String, Object>) row.get("parameters");
            boolean same = true;
            for (Map.Entry<String, Object> e : ours.parameters().entrySet()) {
                if (Bench.DESCRIPTIVE.contains(e.getKey())) {
                    continue;
                }
                String want = String.valueOf(e.getValue());
                if (ours.workload().equals("process_start_join") && e.getKey().equals("start_method")) {
                    want = Bench.START_METHOD_PAIRS.getOrDefault(want, want);
                }
                if (!want.equals(String.valueOf(params.get(e.getKey())))) {
                    same = false;
                    break;
                }
            }
            if (same) {
                return row;
            }
        }
        return null;
    }

    static Path script() {
        String home = System.getProperty("mp4j.home");
        List<Path> candidates = new ArrayList<>();
        if (home != null) {
            candidates.add(Path.of(home, "bench", "python", "cpython_counterpart.py"));
        }
        candidates.add(Path.of("bench", "python", "cpython_counterpart.py"));
        for (Path c : candidates) {
            if (new File(c.toString()).isFile()) {
                return c.toAbsolutePath();
            }
        }
        return null;
    }
}
