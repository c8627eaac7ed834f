package org.multiprocessing4j.cli.bench;

import java.util.Map;

/**
 * The sizes of ../shared/bench/python/README.md (its {@code SIZES} table), full and quick mode.
 * Process start samples: the spawn method uses CPython's spawn count; warm and thread, which are
 * compared with CPython's fork, use the fork count.
 */
record Sizes(String mode, int repeats, int workloadTimeLimitSeconds, Map<String, Integer> startSamples) {
    static Sizes of(boolean quick) {
        return quick
                ? new Sizes("quick", 3, 120, Map.of("spawn", 6, "warm", 15, "thread", 15))
                : new Sizes("full", 7, 300, Map.of("spawn", 25, "warm", 60, "thread", 60));
    }
}
