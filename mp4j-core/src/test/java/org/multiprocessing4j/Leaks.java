package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;

/** The leak check run after each test class: no child process of this JVM outlives the tests. */
final class Leaks {
    private Leaks() {}

    /** Waits up to {@code timeout} for this JVM's descendants to be gone; fails naming them. */
    static void assertNoChildProcessesWithin(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ProcessHandle> alive;
        do {
            alive = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().command().map(c -> c.endsWith("java")).orElse(false)).toList();
            if (alive.isEmpty()) {
                return;
            }
            Thread.sleep(50); // polling for the OS to reap, bounded by the deadline
        } while (System.nanoTime() < deadline);
        fail("child JVMs still running after " + timeout + ": "
                + alive.stream().map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).toList());
    }
}
