package org.multiprocessing4j.cli.demo;

/** One runnable example of the source texts. */
interface Demo {
    /** The name on the command line, e.g. {@code process-basics}. */
    String name();

    /** One line: what it shows and where it comes from. */
    String description();

    /** Runs it in this JVM; output goes to stdout as in the source text. */
    void run() throws Exception;
}
