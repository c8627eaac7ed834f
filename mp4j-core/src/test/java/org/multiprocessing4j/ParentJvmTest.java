package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What can only be seen from outside a parent JVM: children print to the parent's stdout and
 * stderr, the exit function at the end of main, logging in CPython's format, and that no child
 * outlives a parent killed with SIGKILL.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ParentJvmTest {
    @TempDir
    Path dir;

    record Run(int status, String stdout, String stderr) {}

    static java.lang.Process startParent(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-XX:+UseSerialGC"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TestParentMain.class.getName()));
        cmd.addAll(Arrays.asList(args));
        return new ProcessBuilder(cmd)
                .redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile())
                .redirectInput(new File("/dev/null"))
                .start();
    }

    static Run run(Path dir, String... args) throws Exception {
        java.lang.Process p = startParent(dir, args);
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("parent did not end: " + List.of(args));
        }
        return new Run(p.exitValue(), Files.readString(dir.resolve("stdout")), Files.readString(dir.resolve("stderr")));
    }

    @AfterAll
    static void noLeftovers() throws InterruptedException {
        Leaks.assertNoChildProcessesWithin(java.time.Duration.ofSeconds(10));
    }

    @ParameterizedTest
    @ValueSource(strings = {"spawn", "warm", "thread"})
    void aChildPrintsToTheParentsStdout(String method) throws Exception {
        Run r = run(dir, "print", method);
        assertEquals(0, r.status(), r.stderr());
        assertEquals("hello from Process-1 via " + method + "\njoined exit=0\n", r.stdout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"spawn", "warm", "thread"})
    void anExceptionInRunGivesExitCodeOneAndItsStackTraceOnStderr(String method) throws Exception {
        Run r = run(dir, "raise", method);
        assertEquals(0, r.status(), r.stderr());
        assertEquals("joined exit=1\n", r.stdout());
        assertTrue(r.stderr().contains("Process Process-1:\njava.lang.IllegalArgumentException: boom from the child"), r.stderr());
    }

    @Test
    void logToStderrGivesCpythonsFormatAndLifecycleLinesInTheChild() throws Exception {
        Run r = run(dir, "log");
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stderr().contains("[INFO/Process-1] child process calling self.run()\n"), r.stderr());
        assertTrue(r.stderr().contains("[INFO/Process-1] process shutting down\n"), r.stderr());
        assertTrue(r.stderr().contains("[INFO/Process-1] process exiting with exitcode 0\n"), r.stderr());
    }

    @Test
    void atTheEndOfMainDaemonsAreTerminatedAndOthersJoined() throws Exception {
        Path file = dir.resolve("worker-done");
        java.lang.Process parent = startParent(dir, "exit-function", file.toString());
        long[] pids = readPids(parent, dir.resolve("stdout"));
        assertTrue(parent.waitFor(60, TimeUnit.SECONDS), "the parent JVM ends once its non-daemonic child is joined");
        assertEquals(0, parent.exitValue());
        assertEquals("done", Files.readString(file), "the non-daemonic child ran to its end");
        assertGoneWithin(pids[0], 2000, "daemonic child");
    }

    @Test
    void noChildOutlivesAParentKilledWithSigkill() throws Exception {
        java.lang.Process parent = startParent(dir, "orphans");
        long[] pids = readPids(parent, dir.resolve("stdout"));
        assertTrue(pids.length >= 3, "a spawned child, a warm child and reserve JVMs: " + Arrays.toString(pids));
        for (long pid : pids) {
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "alive before the kill: " + pid);
        }
        parent.destroyForcibly(); // SIGKILL
        assertTrue(parent.waitFor(10, TimeUnit.SECONDS));
        long killedAt = System.nanoTime();
        for (long pid : pids) {
            assertGoneWithin(pid, 1000 - (System.nanoTime() - killedAt) / 1_000_000, "child " + pid);
        }
    }

    @Test
    void aChildStillBootingWhenItsParentIsKilledExitsOnceItHasBooted() throws Exception {
        java.lang.Process parent = startParent(dir, "orphan-while-booting");
        long child = readPids(parent, dir.resolve("stdout"))[0];
        parent.destroyForcibly(); // SIGKILL, most likely before the child has reached main()
        assertTrue(parent.waitFor(10, TimeUnit.SECONDS));
        // a JVM cannot notice anything before its main() runs: allow it a cold boot, then the 1 s
        assertGoneWithin(child, 5000, "child " + child + " that was booting");
    }

    /** Waits for a "PIDS a b c" line on the parent's stdout. */
    static long[] readPids(java.lang.Process parent, Path stdout) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(stdout, StandardCharsets.UTF_8)) {
                if (line.startsWith("PIDS ")) {
                    return Arrays.stream(line.substring(5).trim().split(" ")).mapToLong(Long::parseLong).toArray();
                }
            }
            if (!parent.isAlive()) {
                fail("parent ended before printing its children: " + Files.readString(stdout.resolveSibling("stderr")));
            }
            Thread.sleep(20); // polling a file written by another process, bounded by the deadline
        }
        parent.destroyForcibly();
        fail("no PIDS line within 60 s");
        return null;
    }

    static void assertGoneWithin(long pid, long millis, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, millis) * 1_000_000;
        while (alive(pid)) {
            if (System.nanoTime() > deadline) {
                fail(what + " (pid " + pid + ") still alive " + millis + " ms after its parent died");
            }
            Thread.sleep(5); // polling the OS, bounded by the deadline
        }
        assertFalse(alive(pid));
    }

    /** Alive and not a zombie waiting for a reaper. */
    static boolean alive(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(stat)))) {
            String line = r.readLine();
            if (line == null) {
                return false;
            }
            char state = line.charAt(line.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }
}
