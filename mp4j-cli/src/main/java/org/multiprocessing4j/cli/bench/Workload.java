package org.multiprocessing4j.cli.bench;

import java.util.List;

/** One workload of the anchor's README: its name, and how to run all its variants. */
interface Workload {
    String name();

    List<Result> run(Sizes sizes) throws Exception;
}
