package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of {@link Process}, written once and run against every start method (one
 * subclass per backend). A backend declares what it cannot promise through {@link #separateJvm()};
 * tests of such behaviour are skipped for it, by assumption, with the reason.
 *
 * <p>Children prove what they saw by writing files under a temporary directory: the checks cross
 * a real process boundary. Every test has a timeout; no test sleeps to synchronise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class ProcessContract {
    private static final Duration JOIN = Duration.ofSeconds(30);

    protected Context ctx;

    @TempDir
    Path dir;

    /** The start method under test. */
    abstract StartMethod method();

    /** Whether processes are separate JVMs (false: threads, which cannot be stopped by force). */
    abstract boolean separateJvm();

    @BeforeAll
    void openContext() throws InterruptedException {
        ctx = Context.builder(method()).warmReserve(2).build();
        ctx.register(Point.class);
    }

    @AfterAll
    void closeContextAndCheckForLeaks() throws InterruptedException {
        ctx.close();
        Leaks.assertNoChildProcessesWithin(Duration.ofSeconds(10));
    }

    /** A registered record. */
    record Point(int x, int y) implements Serializable {}

    /** Not registered anywhere. */
    record Unregistered(int v) implements Serializable {}

    // ---- targets (static methods: method references carry nothing else) ----

    static void writeFile(String path, String text) throws IOException {
        Files.writeString(Path.of(path), text);
    }

    static void writePid(String path) throws IOException {
        writeFile(path, Long.toString(ProcessHandle.current().pid()));
    }

    static void sleepForever() throws InterruptedException {
        Thread.sleep(600_000);
    }

    static void describeSelf(String path) throws IOException {
        Process me = Multiprocessing.currentProcess();
        String parent = Multiprocessing.parentProcess().map(p -> p.name() + "/" + p.pid()).orElse("none");
        writeFile(path, me.name() + "|" + me.isDaemon() + "|" + parent + "|" + me.isAlive());
    }

    static void tryToStartChild(String path) throws IOException {
        try {
            new Process(() -> { }).start();
            writeFile(path, "started");
        } catch (IllegalStateException e) {
            writeFile(path, "refused: " + e.getMessage());
        }
    }

    static String read(Path p) throws IOException {
        return Files.readString(p);
    }

    private static int exitCode(Process p) {
        OptionalInt code = p.exitCode();
        assertTrue(code.isPresent(), "no exit code for " + p);
        return code.getAsInt();
    }

    // ---- the contract ----

    @Test
    void runsTargetWithItsArgumentInTheChild() throws Exception {
        Path out = dir.resolve("out");
        Process p = ctx.process(ProcessContract::writeFile, out.toString(), "萌萌哒");
        p.start();
        assertTrue(p.join(JOIN));
        assertEquals("萌萌哒", read(out));
        assertEquals(0, exitCode(p));
    }

    @Test
    void runsInAnotherOsProcessExactlyWhenTheBackendIsAJvm() throws Exception {
        Path out = dir.resolve("pid");
        Process p = ctx.process(ProcessContract::writePid, out.toString());
        p.start();
        assertTrue(p.join(JOIN));
        long childPid = Long.parseLong(read(out));
        assertEquals(childPid, p.pid());
        if (separateJvm()) {
            assertNotEquals(ProcessHandle.current().pid(), childPid);
        } else {
            assertEquals(ProcessHandle.current().pid(), childPid);
        }
    }

    @Test
    void passesRegisteredRecordsAndUpToThreeArguments() throws Exception {
        Path out = dir.resolve("three");
        Process p = ctx.process((String path, Point a, List<Integer> b) -> writeFile(path, a + " " + b),
                out.toString(), new Point(1, 2), List.of(3, 4));
        p.start();
        assertTrue(p.join(JOIN));
        assertEquals("Point[x=1, y=2] [3, 4]", read(out));
    }

    @Test
    void exitCodeIsZeroAfterANormalEndAndEmptyBefore() throws Exception {
        Process p = ctx.process(() -> { });
        assertTrue(p.exitCode().isEmpty());
        assertFalse(p.isAlive());
        p.start();
        assertTrue(p.join(JOIN));
        assertEquals(0, exitCode(p));
        assertFalse(p.isAlive());
    }

    @Test
    void exitCodeIsOneWhenRunThrows() throws Exception {
        Process p = ctx.process(() -> {
            throw new IllegalStateException("expected by the test: exit code 1");
        });
        p.start();
        assertTrue(p.join(JOIN));
        assertEquals(1, exitCode(p));
    }

    @Test
    void exitCodeIsTheArgumentOfSystemExit() throws Exception {
        assumeTrue(separateJvm(), "System.exit in a thread would end the test JVM");
        Process p = ctx.process(() -> System.exit(7));
        p.start();
        assertTrue(p.join(JOIN));
        assertEquals(7, exitCode(p));
    }

    @Test
    void joinWithTimeoutReturnsFalseWhileTheProcessRuns() throws Exception {
        Process p = ctx.process(ProcessContract::sleepForever);
        p.start();
        assertFalse(p.join(Duration.ofMillis(200)));
        assertTrue(p.isAlive());
        assertTrue(p.exitCode().isEmpty());
        p.kill();
        assertTrue(p.join(JOIN));
    }

    @Test
    void terminateEndsTheProcessWithMinusSigterm() throws Exception {
        Process p = ctx.process(ProcessContract::sleepForever);
        p.start();
        assertTrue(p.isAlive());
        p.terminate();
        assertTrue(p.join(JOIN));
        assertEquals(-15, exitCode(p));
    }

    @Test
    void killEndsTheProcessWithMinusSigkill() throws Exception {
        Process p = ctx.process(ProcessContract::sleepForever);
        p.start();
        p.kill();
        assertTrue(p.join(JOIN));
        assertEquals(-9, exitCode(p));
    }

    @Test
    void killStopsATargetThatIgnoresInterruption() throws Exception {
        assumeTrue(separateJvm(), "a thread cannot be stopped by force");
        Process p = ctx.process(() -> {
            while (true) {
                Thread.onSpinWait();
            }
        });
        p.start();
        p.kill();
        assertTrue(p.join(JOIN));
        assertEquals(-9, exitCode(p));
    }

    @Test
    void terminateAndKillAfterTheEndChangeNothing() throws Exception {
        Process p = ctx.process(() -> { });
        p.start();
        assertTrue(p.join(JOIN));
        p.terminate();
        p.kill();
        assertEquals(0, exitCode(p));
    }

    @Test
    void defaultNamesAreProcessNInCreationOrder() {
        Process a = ctx.process(() -> { });
        Process b = ctx.process(() -> { });
        assertTrue(a.name().matches("Process-\\d+"), a.name());
        int na = Integer.parseInt(a.name().substring("Process-".length()));
        assertEquals("Process-" + (na + 1), b.name());
    }

    @Test
    void theChildSeesItsNameDaemonFlagAndParent() throws Exception {
        Path out = dir.resolve("self");
        Process p = ctx.process(ProcessContract::describeSelf, out.toString()).setName("worker-7").setDaemon(true);
        p.start();
        assertTrue(p.join(JOIN));
        assertEquals("worker-7|true|MainProcess/" + ProcessHandle.current().pid() + "|true", read(out));
    }

    @Test
    void aDaemonicProcessMayNotStartChildren() throws Exception {
        Path out = dir.resolve("daemon");
        Process p = ctx.process(ProcessContract::tryToStartChild, out.toString()).setDaemon(true);
        p.start();
        assertTrue(p.join(JOIN));
        assertEquals("refused: daemonic processes are not allowed to have children (current process "
                + p.name() + " is daemonic)", read(out));
    }

    @Test
    void aNonDaemonicChildMayStartAGrandchildNamedAfterIt() throws Exception {
        Path out = dir.resolve("grandchild");
        Process p = ctx.process((String path) -> {
            Process g = new Process(ProcessContract::describeSelf, path);
            g.start();
            g.join();
        }, out.toString());
        p.start();
        assertTrue(p.join(JOIN));
        assertEquals(0, exitCode(p));
        String[] seen = read(out).split("\\|");
        assertEquals(p.name() + ":1", seen[0]);
        assertTrue(seen[2].startsWith(p.name() + "/"), seen[2]);
    }

    @Test
    void aSubclassRunsWithItsFields() throws Exception {
        Path out = dir.resolve("subclass");
        Process p = new Writer(ctx, out.toString(), "from a subclass");
        p.start();
        assertTrue(p.join(JOIN));
        assertEquals("from a subclass", read(out));
    }

    /** CPython's "class My_Process(Process)". */
    static final class Writer extends Process {
        private static final long serialVersionUID = 1L;
        private final String path;
        private final String text;

        Writer(Context ctx, String path, String text) {
            super(ctx);
            this.path = path;
            this.text = text;
        }

        @Override
        public void run() throws IOException {
            writeFile(path, text);
        }
    }

    @Test
    void anUnserialisableArgumentFailsAtStartInTheCallerAndStartsNothing() {
        int before = Multiprocessing.activeChildren().size();
        Process p = ctx.process((Object o) -> { }, new Object());
        SerializationException e = assertThrows(SerializationException.class, p::start);
        assertEquals("java.lang.Object", e.offendingClass().orElseThrow());
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
        assertEquals(before, Multiprocessing.activeChildren().size());
        assertThrows(IllegalStateException.class, p::pid, "nothing was started");
    }

    @Test
    void anArgumentOfAnUnregisteredClassFailsAtStartNamingTheClass() {
        Process p = ctx.process((Unregistered u) -> { }, new Unregistered(1));
        SerializationException e = assertThrows(SerializationException.class, p::start);
        assertEquals(Unregistered.class.getName(), e.offendingClass().orElseThrow());
        assertTrue(e.getMessage().contains("register"), e.getMessage());
    }

    @Test
    void startingTwiceIsAnError() throws Exception {
        Process p = ctx.process(() -> { });
        p.start();
        IllegalStateException e = assertThrows(IllegalStateException.class, p::start);
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        assertTrue(p.join(JOIN));
    }

    @Test
    void joinBeforeStartIsAnError() {
        Process p = ctx.process(() -> { });
        assertThrows(IllegalStateException.class, p::join);
        assertThrows(IllegalStateException.class, p::terminate);
    }

    @Test
    void closeWhileRunningIsAnErrorAndAfterCloseTheObjectIsUnusable() throws Exception {
        Process p = ctx.process(ProcessContract::sleepForever);
        p.start();
        IllegalStateException running = assertThrows(IllegalStateException.class, p::close);
        assertTrue(running.getMessage().contains("still running"), running.getMessage());
        p.kill();
        assertTrue(p.join(JOIN));
        p.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, p::isAlive);
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        p.close(); // idempotent
    }

    @Test
    void setNameAndDaemonOnlyBeforeStart() throws Exception {
        Process p = ctx.process(ProcessContract::sleepForever);
        p.start();
        assertThrows(IllegalStateException.class, () -> p.setName("late"));
        assertThrows(IllegalStateException.class, () -> p.setDaemon(true));
        p.kill();
        assertTrue(p.join(JOIN));
    }

    @Test
    void activeChildrenListsStartedProcessesUntilTheyEnd() throws Exception {
        Process p = ctx.process(ProcessContract::sleepForever);
        p.start();
        assertTrue(Multiprocessing.activeChildren().contains(p));
        p.kill();
        assertTrue(p.join(JOIN));
        assertFalse(Multiprocessing.activeChildren().contains(p));
    }

    @Test
    void toStringSaysNamePidAndState() throws Exception {
        Process p = ctx.process(() -> { }).setName("shown");
        assertTrue(p.toString().contains("name=shown") && p.toString().contains("initial"), p.toString());
        p.start();
        assertTrue(p.join(JOIN));
        assertTrue(p.toString().contains("pid=" + p.pid()) && p.toString().contains("exitcode=0"), p.toString());
    }
}
