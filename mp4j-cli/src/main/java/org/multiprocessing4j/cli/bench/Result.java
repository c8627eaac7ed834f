package org.multiprocessing4j.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One result row in the anchor's schema: the median of the samples is the value. */
record Result(String workload, Map<String, Object> parameters, String unit, String better, List<Double> samples) {
    Result {
        if (samples.size() < 3) {
            throw new IllegalStateException(workload + ": need at least 3 repeats, got " + samples.size());
        }
        for (double x : samples) {
            if (!(x > 0) || Double.isInfinite(x)) {
                throw new IllegalStateException(workload + ": bad sample " + x);
            }
        }
        samples = List.copyOf(samples);
        parameters = new LinkedHashMap<>(parameters);
    }

    double median() {
        List<Double> s = new ArrayList<>(samples);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
    }

    Map<String, Object> toJson(double workloadSeconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", workload);
        m.put("parameters", parameters);
        m.put("unit", unit);
        m.put("better", better);
        m.put("value", median());
        m.put("repeats", samples.size());
        m.put("min", samples.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
        m.put("median", median());
        m.put("max", samples.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
        m.put("samples", samples);
        m.put("workload_seconds", Math.round(workloadSeconds * 100) / 100.0);
        return m;
    }
}
