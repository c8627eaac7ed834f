package org.multiprocessing4j.internal.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.Context;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.StartMethod;

/** Background priority for the JVMs started for later use (see {@link Priority}). */
class PriorityTest {
    @TempDir
    Path dir;

    private static final String NO_CAPS = "Name:\tjava\nCapEff:\t0000000000000000\n";
    private static final String ROOT_CAPS = "Name:\tjava\nCapEff:\t000001ffffffffff\n";

    private static String limits(String niceSoft) {
        return "Limit                     Soft Limit           Hard Limit           Units     \n"
                + "Max open files            1024                 4096                 files     \n"
                + "Max nice priority         " + niceSoft + "                    " + niceSoft + "                    \n";
    }

    @Test
    void whoMayLowerANiceValueAgain() {
        assertTrue(Priority.mayLowerTo(0, ROOT_CAPS, limits("0")), "CAP_SYS_NICE");
        assertFalse(Priority.mayLowerTo(0, NO_CAPS, limits("0")), "an ordinary user: 20 - 0 = 20 is the lowest");
        assertTrue(Priority.mayLowerTo(0, NO_CAPS, limits("20")), "RLIMIT_NICE 20 allows nice 0");
        assertFalse(Priority.mayLowerTo(-1, NO_CAPS, limits("20")), "but not -1");
        assertTrue(Priority.mayLowerTo(5, NO_CAPS, limits("15")));
        assertTrue(Priority.mayLowerTo(0, NO_CAPS, limits("unlimited")));
        assertFalse(Priority.mayLowerTo(0, NO_CAPS, "no such line\n"), "unknown: no");
    }

    @Test
    void theNiceValueOfAStatLine() {
        String stat = "4242 (a (strange) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 39 19 12 0 100 0 0";
        assertEquals(19, Priority.niceOf(stat));
    }

    @Test
    void nicedRunsACommandAtTheLowestPriorityWhereNiceExists() throws Exception {
        java.util.List<String> cmd = java.util.List.of("/bin/cat", "/proc/self/stat");
        if (Priority.onPath("nice") == null) {
            assertEquals(cmd, Priority.niced(cmd), "without nice on the PATH the command is unchanged");
            return;
        }
        java.lang.Process p = new ProcessBuilder(Priority.niced(cmd)).redirectErrorStream(true).start();
        String stat = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "cat ended");
        assertEquals(0, p.exitValue(), stat);
        int mine = Priority.niceOf(Files.readString(Path.of("/proc/thread-self/stat")));
        assertEquals(Math.min(Priority.BACKGROUND, mine + Priority.BACKGROUND), Priority.niceOf(stat),
                "the command ran at the lowest priority (the AOT training run is started so): " + stat);
    }

    /** In a child: the environment variable and the set of nice values of all its threads. */
    static void describePriority(String path) throws IOException {
        TreeSet<Integer> nices = new TreeSet<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    nices.add(Priority.niceOf(Files.readString(t.resolve("stat"))));
                } catch (IOException e) {
                    // ended meanwhile
                }
            }
        }
        Files.writeString(Path.of(path), System.getenv().getOrDefault(Priority.RETURN_TO, "none") + "|" + nices);
    }

    @Test
    void aReserveJvmRunsTheApplicationAtItsParentsPriority() throws Exception {
        Integer expected = Priority.warmUpReturnValue(); // null: this machine does not nice reserve JVMs
        int mine = Priority.niceOf(Files.readString(Path.of("/proc/thread-self/stat")));
        try (Context ctx = Context.builder(StartMethod.WARM).warmReserve(1).build()) {
            assertTrue(ctx.prepare(Duration.ofSeconds(60)), "reserve filled");
            for (int i = 0; i < 2; i++) { // the second from a JVM of the refill
                Path out = dir.resolve("priority-" + i);
                Process p = ctx.process(PriorityTest::describePriority, out.toString());
                p.start();
                assertTrue(p.join(Duration.ofSeconds(60)));
                assertEquals(0, p.exitCode().getAsInt());
                String[] got = Files.readString(out).split("\\|");
                assertEquals(expected == null ? "none" : expected.toString(), got[0],
                        "the reserve JVM was started niced exactly when this process may lower it again");
                assertEquals("[" + mine + "]", got[1], "every thread of the child runs at its parent's priority");
                assertTrue(ctx.prepare(Duration.ofSeconds(60)), "reserve refilled");
            }
        }
    }
}
