package org.multiprocessing4j.cli.bench;

import java.util.Map;

/**
 * The sizes of ../shared/bench/python/README.md (its {@code SIZES} table), full and quick mode.
 * Process start samples: the spawn method uses CPython's spawn count; warm and thread, which are
 * compared with CPython's fork, use the fork count.
 *
 * @param counts the anchor's other sizes by its own key ({@code lock_n}, {@code lock_k},
 *     {@code value_k}, {@code array_n}, {@code pipe_rt_n}, {@code queue_n}, {@code queue_lat_n}, {@code jq_n}, {@code array_bulk_repeats}, {@code subprocess_n}, {@code mgr_n}, and the pool sizes {@code pool_map_n} ... {@code large_size})
 */
record Sizes(String mode, int repeats, int workloadTimeLimitSeconds, Map<String, Integer> startSamples,
        Map<String, Integer> counts) {
    static Sizes of(boolean quick) {
        return quick
                ? new Sizes("quick", 3, 120, Map.of("spawn", 6, "warm", 15, "thread", 15),
                        Map.ofEntries(Map.entry("pipe_rt_n", 5_000), Map.entry("queue_n", 50_000),
                                Map.entry("queue_lat_n", 2_000), Map.entry("jq_n", 50_000),
                                Map.entry("lock_n", 1_000_000), Map.entry("lock_k", 200_000),
                                Map.entry("value_k", 100_000), Map.entry("array_n", 1_000_000),
                                Map.entry("array_bulk_repeats", 7), Map.entry("subprocess_n", 50),
                                Map.entry("pool_map_n", 100_000), Map.entry("pool_map_c1_n", 5_000),
                                Map.entry("pool_apply_n", 5_000), Map.entry("pool_imap_n", 20_000),
                                Map.entry("ppe_submit_n", 5_000), Map.entry("ppe_map_n", 200_000),
                                Map.entry("ppe_map_chunksize", 1_000), Map.entry("large_count", 50),
                                Map.entry("large_size", 1 << 20), Map.entry("mgr_n", 2_000)))
                : new Sizes("full", 7, 300, Map.of("spawn", 25, "warm", 60, "thread", 60),
                        Map.ofEntries(Map.entry("pipe_rt_n", 20_000), Map.entry("queue_n", 200_000),
                                Map.entry("queue_lat_n", 10_000), Map.entry("jq_n", 200_000),
                                Map.entry("lock_n", 5_000_000), Map.entry("lock_k", 500_000),
                                Map.entry("value_k", 250_000), Map.entry("array_n", 1_000_000),
                                Map.entry("array_bulk_repeats", 25), Map.entry("subprocess_n", 200),
                                Map.entry("pool_map_n", 1_000_000), Map.entry("pool_map_c1_n", 20_000),
                                Map.entry("pool_apply_n", 20_000), Map.entry("pool_imap_n", 100_000),
                                Map.entry("ppe_submit_n", 20_000), Map.entry("ppe_map_n", 1_000_000),
                                Map.entry("ppe_map_chunksize", 1_000), Map.entry("large_count", 200),
                                Map.entry("large_size", 1 << 20), Map.entry("mgr_n", 10_000)));
    }

    /** The anchor's {@code pipe_bw}: (message size in bytes, messages per repeat) pairs. */
    java.util.List<int[]> pipeBandwidth() {
        return mode.equals("quick") ? java.util.List.of(new int[] {1 << 20, 100}, new int[] {64 << 20, 2})
                : java.util.List.of(new int[] {1 << 20, 500}, new int[] {64 << 20, 8});
    }

    /** One of the anchor's sizes by its key. */
    int count(String key) {
        Integer n = counts.get(key);
        if (n == null) {
            throw new IllegalArgumentException("no size " + key);
        }
        return n;
    }
}
