package org.multiprocessing4j.cli.bench;

import java.util.List;

/** One workload of the anchor's README: its name, and how to run all its variants. */
interface Workload {
    String name();

    List<Result> run(Sizes sizes) throws Exception;

    /** How long the whole workload may take before the watchdog stops the bench (a hang). */
    default int timeLimitSeconds(Sizes sizes) {
        return sizes.workloadTimeLimitSeconds();
    }

    /** False for workloads that run only when named with {@code --only} (the cluster's, which start JVMs of their own). */
    default boolean inDefaultRun() {
        return true;
    }
}
