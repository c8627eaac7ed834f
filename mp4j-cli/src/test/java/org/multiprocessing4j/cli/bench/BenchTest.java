package org.multiprocessing4j.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark harness writes the anchor's schema (../shared/bench/python/README.md). Not timed. */
class BenchTest {
    @TempDir
    Path dir;

    @Test
    void jsonRoundTrips() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("s", "a \"quoted\"\n\u00e9");
        doc.put("n", 3L);
        doc.put("d", 2.5);
        doc.put("b", true);
        doc.put("z", null);
        doc.put("l", List.of(1L, 2.0, "x"));
        doc.put("m", Map.of("k", List.of()));
        assertEquals(doc, Json.parse(Json.write(doc)));
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    @SuppressWarnings("unchecked")
    void aQuickRunWritesTheAnchorsSchemaForProcessStartJoin() throws Exception {
        Path json = dir.resolve("ours.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Bench.main(new String[] {"--quick", "--only", "process_start_join", "--json", json.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, status, out.toString(StandardCharsets.UTF_8));
        Map<String, Object> doc = (Map<String, Object>) Json.parse(Files.readString(json));
        assertEquals(1L, doc.get("schema_version"));
        assertEquals("quick", doc.get("mode"));
        assertTrue(((List<?>) doc.get("failures")).isEmpty());
        Map<String, Object> env = (Map<String, Object>) doc.get("environment");
        for (String key : List.of("cpu_count", "platform", "workload_start_method", "loadavg_start", "loadavg_end")) {
            assertTrue(env.containsKey(key), key);
        }
        List<Map<String, Object>> results = (List<Map<String, Object>>) doc.get("results");
        assertEquals(Set.of("spawn", "warm", "thread"),
                Set.copyOf(results.stream().map(r -> ((Map<String, Object>) r.get("parameters")).get("start_method")).toList()));
        Map<String, Long> expectedSamples = Map.of("spawn", 6L, "warm", 15L, "thread", 15L);
        for (Map<String, Object> r : results) {
            assertEquals("process_start_join", r.get("workload"));
            assertEquals("ms/process", r.get("unit"));
            assertEquals("lower", r.get("better"));
            assertEquals(r.get("median"), r.get("value"));
            String method = (String) ((Map<String, Object>) r.get("parameters")).get("start_method");
            assertEquals(expectedSamples.get(method), r.get("repeats"));
            assertEquals(expectedSamples.get(method).intValue(), ((List<?>) r.get("samples")).size());
            double min = ((Number) r.get("min")).doubleValue();
            double max = ((Number) r.get("max")).doubleValue();
            double median = ((Number) r.get("median")).doubleValue();
            assertTrue(min > 0 && min <= median && median <= max, r.toString());
        }
    }

    @Test
    void ourStartMethodsPairWithCpythonsAsTheCompareScriptDoes() {
        List<Map<String, Object>> py = List.of(
                Map.of("workload", "process_start_join", "parameters", Map.of("start_method", "fork"), "value", 2.0),
                Map.of("workload", "process_start_join", "parameters", Map.of("start_method", "spawn"), "value", 60.0));
        Result warm = new Result("process_start_join", Map.of("start_method", "warm"), "ms/process", "lower", List.of(1.0, 1.0, 1.0));
        Result spawn = new Result("process_start_join", Map.of("start_method", "spawn"), "ms/process", "lower", List.of(1.0, 1.0, 1.0));
        Result other = new Result("pool_map", Map.of("chunksize", 1), "tasks/s", "higher", List.of(1.0, 1.0, 1.0));
        assertEquals("fork", ((Map<?, ?>) VsPython.find(py, warm).get("parameters")).get("start_method"));
        assertEquals("spawn", ((Map<?, ?>) VsPython.find(py, spawn).get("parameters")).get("start_method"));
        assertNull(VsPython.find(py, other));
        assertNotNull(VsPython.find(py, warm));
    }

    @Test
    void aResultNeedsThreeGoodSamples() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> new Result("w", Map.of(), "ms", "lower", List.of(1.0, 2.0)));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> new Result("w", Map.of(), "ms", "lower", List.of(1.0, 2.0, -1.0)));
        assertEquals(2.0, new Result("w", Map.of(), "ms", "lower", List.of(3.0, 1.0, 2.0)).median());
    }
}
