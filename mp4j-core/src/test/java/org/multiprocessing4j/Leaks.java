package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * The leak checks run after each test class: no child process of this JVM outlives the tests, and
 * every shared-memory segment left is one this JVM still holds (the rest go when it exits; the
 * test command checks {@code /dev/shm} after the whole run).
 */
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
        alive.forEach(Leaks::printThreads);
        fail("child JVMs still running after " + timeout + ": "
                + alive.stream().map(h -> h.pid() + " " + h.info().commandLine().map(Leaks::shortened).orElse("?")).toList());
    }

    /** Diagnostics for a leaked child: its threads, on stdout (jcmd from this JVM's JDK). */
    private static void printThreads(ProcessHandle h) {
        try {
            java.lang.Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(h.pid()), "Thread.print").redirectErrorStream(true).start();
            String dump = new String(jcmd.getInputStream().readAllBytes());
            jcmd.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            System.out.println("[leak] threads of " + h.pid() + ":\n" + dump);
        } catch (IOException | InterruptedException e) {
            System.out.println("[leak] no thread dump of " + h.pid() + ": " + e);
        }
    }

    /** A command line without its class path: the main class and its arguments. */
    private static String shortened(String commandLine) {
        int main = commandLine.indexOf("org.multiprocessing4j.");
        return main >= 0 ? commandLine.substring(main) : commandLine;
    }

    /** Waits up to {@code timeout} until every {@code mp4j-} segment is held by this JVM; fails naming the others. */
    static void assertNoSegmentsOfOtherProcessesWithin(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> foreign;
        do {
            Set<String> mine = Segments.attachedNames();
            try (Stream<Path> files = Files.list(Segments.DIR)) {
                foreign = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(Segments.PREFIX))
                        .map(n -> n.substring(Segments.PREFIX.length())).filter(n -> !mine.contains(n)).toList();
            } catch (IOException e) {
                throw new AssertionError("cannot list " + Segments.DIR, e);
            }
            if (foreign.isEmpty()) {
                return;
            }
            Thread.sleep(50); // polling for children's exit, bounded by the deadline
        } while (System.nanoTime() < deadline);
        StringBuilder who = new StringBuilder();
        for (String n : foreign) {
            who.append('\n').append(n).append(" is mapped or open in: ").append(holdersOf(n));
        }
        fail("segments in " + Segments.DIR + " not held by this JVM after " + timeout + ": " + foreign + who);
    }

    /**
     * Diagnostics for a leaked segment: the processes that have it open or mapped (from
     * {@code /proc}), or "nobody" for an orphan whose holders all died before one of them could
     * remove it (the next process's sweep does).
     */
    private static String holdersOf(String name) {
        String script = "for p in /proc/[0-9]*; do ls -l $p/fd $p/map_files 2>/dev/null | grep -q 'mp4j-" + name
                + "' && echo \"${p#/proc/} $(tr '\\0' ' ' < $p/cmdline | cut -c1-160)\"; done";
        try {
            java.lang.Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            return out.isEmpty() ? "nobody" : out;
        } catch (IOException e) {
            return "unknown (" + e + ")";
        }
    }
}
