package org.multiprocessing4j.subprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Subprocess}, {@link Popen} and pipelines, on real external programs (sh, cat, ls,
 * grep, head, sleep). Every test has a timeout; processes left behind are checked by a marker
 * in their command line.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SubprocessTest {
    @TempDir
    Path dir;

    private final List<String> markers = new ArrayList<>();

    /** A unique sleep length, so that a test can find its own leftover processes. */
    private String marker() {
        String m = "1000" + (System.nanoTime() % 1_000_000) + ".5";
        markers.add(m);
        return m;
    }

    private static List<ProcessHandle> running(String marker) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .filter(h -> h.info().arguments().map(a -> Arrays.asList(a).contains(marker)).orElse(false)).toList();
    }

    @AfterEach
    void nothingLeftBehind() throws InterruptedException {
        for (String m : markers) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!running(m).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20); // polling for the kernel to reap, bounded
            }
            assertTrue(running(m).isEmpty(), "processes left running: " + running(m));
        }
    }

    @Test
    void runCapturesOutputAndReturnsTheCode() throws Exception {
        Files.writeString(dir.resolve("hello.txt"), "x");
        CompletedProcess r = Subprocess.run(List.of("ls", "-al"), Options.defaults().cwd(dir).captureOutput().text());
        assertEquals(0, r.returncode());
        assertTrue(r.stdoutText().contains("hello.txt"), r.stdoutText());
        assertEquals("", r.stderrText());
        assertEquals(List.of("ls", "-al"), r.args());
        assertTrue(r.toString().startsWith("CompletedProcess(args=[ls, -al], returncode=0"), r.toString());
        CompletedProcess plain = Subprocess.run(List.of("true"));
        assertNull(plain.stdout(), "not captured without a pipe");
    }

    /**
     * Arguments, environment and working directory larger than a thread's scratch region for a
     * spawn (2 KiB, see Scratch) reach the child whole, and runs on the same thread after them,
     * which reuse that memory without zeroing it, see only their own.
     */
    @Test
    void longArgumentsAndEnvironmentReachTheChildWhole() throws Exception {
        String longArg = "a".repeat(3000) + "z";
        CompletedProcess r = Subprocess.run(List.of("printf", "%s|%s", longArg, "short"),
                Options.defaults().captureOutput().text());
        assertEquals(longArg + "|short", r.stdoutText());
        String value = "v".repeat(5000);
        Path deep = Files.createDirectories(dir.resolve("d".repeat(200)).resolve("e".repeat(200)));
        r = Subprocess.run(List.of("sh", "-c", "printf %s \"$BIG\"; pwd"),
                Options.defaults().env(java.util.Map.of("BIG", value, "PATH", System.getenv("PATH"))).cwd(deep)
                        .captureOutput().text());
        assertEquals(value + deep.toRealPath() + "\n", r.stdoutText());
        for (String word : List.of("x", "yy", "")) {
            r = Subprocess.run(List.of("printf", "%s", word), Options.defaults().captureOutput().text());
            assertEquals(word, r.stdoutText());
            assertEquals(0, r.returncode());
        }
    }

    @Test
    void inputIsFedAsBytesOrText() throws Exception {
        CompletedProcess r = Subprocess.run(List.of("cat"), Options.defaults().input("萌萌哒\n").captureOutput().text());
        assertEquals("萌萌哒\n", r.stdoutText());
        byte[] bytes = {0, 1, 2, (byte) 255};
        assertArrayEquals(bytes, Subprocess.run(List.of("cat"), Options.defaults().input(bytes).captureOutput()).stdout());
    }

    @Test
    void checkRaisesCalledProcessErrorWithTheOutput() throws Exception {
        CalledProcessError e = assertThrows(CalledProcessError.class, () -> Subprocess.run(
                List.of("sh", "-c", "echo partial; echo oops >&2; exit 3"), Options.defaults().captureOutput().check()));
        assertEquals(3, e.returncode());
        assertEquals(List.of("sh", "-c", "echo partial; echo oops >&2; exit 3"), e.cmd());
        assertEquals("partial\n", e.outputText());
        assertEquals("oops\n", e.stderrText());
        CompletedProcess unchecked = Subprocess.run(List.of("sh", "-c", "exit 4"));
        assertEquals(4, unchecked.returncode());
        assertThrows(CalledProcessError.class, unchecked::checkReturncode);
    }

    @Test
    void timeoutKillsTheChildAndItsDescendantsAndKeepsTheirOutput() throws Exception {
        String m = marker();
        long t0 = System.nanoTime();
        TimeoutExpired e = assertThrows(TimeoutExpired.class, () -> Subprocess.run(
                List.of("sh", "-c", "echo started; sleep " + m + " & sleep " + m + "; echo never"),
                Options.defaults().captureOutput().timeout(Duration.ofMillis(500))));
        assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "the timeout, not the sleep, ended it");
        assertEquals("started\n", e.outputText());
        assertEquals(Duration.ofMillis(500), e.timeout());
        // nothingLeftBehind: both sleeps (the child's child and its background grandchild) are gone
    }

    @Test
    void largeOutputOnBothStreamsWithInputInParallelDoesNotDeadlock() throws Exception {
        int size = 200_000_000;
        byte[] input = new byte[50_000_000];
        String script = "cat > /dev/null & head -c " + size + " /dev/zero & head -c " + size + " /dev/zero >&2; wait";
        CompletedProcess r = Subprocess.run(List.of("sh", "-c", script),
                Options.defaults().input(input).captureOutput().timeout(Duration.ofSeconds(90)));
        assertEquals(0, r.returncode());
        assertEquals(size, r.stdout().length);
        assertEquals(size, r.stderr().length);
    }

    private static long openDescriptors() throws java.io.IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void outputWithoutInputIsReadInTheCallingThreadWithoutDeadlockOrLeak() throws Exception {
        long before = openDescriptors();
        // both pipes full at once, read by poll in this thread (no input: no threads at all)
        int size = 200_000_000;
        String script = "head -c " + size + " /dev/zero & head -c " + size + " /dev/zero >&2; wait";
        CompletedProcess big = Subprocess.run(List.of("sh", "-c", script),
                Options.defaults().captureOutput().timeout(Duration.ofSeconds(90)));
        assertEquals(0, big.returncode());
        assertEquals(size, big.stdout().length);
        assertEquals(size, big.stderr().length);
        for (int i = 0; i < 50; i++) {
            CompletedProcess r = Subprocess.run(List.of("sh", "-c", "echo out " + i + "; echo err >&2; exit 3"),
                    Options.defaults().captureOutput().text());
            assertEquals("out " + i + "\n", r.stdoutText());
            assertEquals("err\n", r.stderrText());
            assertEquals(3, r.returncode());
        }
        String m = marker();
        TimeoutExpired e = assertThrows(TimeoutExpired.class, () -> Subprocess.run(List.of("sh", "-c", "echo partial; sleep " + m),
                Options.defaults().captureOutput().timeout(Duration.ofMillis(300))));
        assertEquals("partial\n", e.outputText());
        try (Popen p = Popen.start(List.of("sh", "-c", "echo early; exec sleep " + marker()), Options.defaults().captureOutput())) {
            assertThrows(TimeoutExpired.class, () -> p.communicate(null, Duration.ofMillis(200)));
            p.kill(); // close() then closes the pipes the timed-out communicate held
        }
        long after = openDescriptors();
        assertTrue(after - before < 10, "descriptors before " + before + ", after " + after + " (a leak grows by 2 per run)");
    }

    @Test
    void anInterruptedCommunicateStopsAndLeavesNothingBehind() throws Exception {
        String m = marker();
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread runner = Thread.ofPlatform().start(() -> {
            try {
                Subprocess.run(List.of("sh", "-c", "echo started; sleep " + m + " & sleep " + m + "; wait"),
                        Options.defaults().captureOutput());
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (running(m).size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10); // polling for the shell to start both sleeps, bounded
        }
        assertEquals(2, running(m).size());
        runner.interrupt(); // the thread sits in poll on the child's pipes
        runner.join(10_000);
        assertFalse(runner.isAlive());
        assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
        // nothingLeftBehind: the interrupted run killed the shell and both sleeps
    }

    @Test
    void badInputIsRefusedBeforeAnythingStarts() {
        assertThrows(IllegalArgumentException.class, () -> Subprocess.run(List.of()));
        NullPointerException npe = assertThrows(NullPointerException.class, () -> Subprocess.run(Arrays.asList("echo", null)));
        assertTrue(npe.getMessage().contains("argument 1"), npe.getMessage());
        IllegalArgumentException cwd = assertThrows(IllegalArgumentException.class,
                () -> Subprocess.run(List.of("true"), Options.defaults().cwd(dir.resolve("missing"))));
        assertTrue(cwd.getMessage().contains("missing"), cwd.getMessage());
        NoSuchFileException missing = assertThrows(NoSuchFileException.class,
                () -> Subprocess.run(List.of("no-such-program-mp4j", "x")));
        assertEquals("no-such-program-mp4j", missing.getFile());
        assertThrows(IllegalArgumentException.class, () -> Options.defaults().captureOutput().stdout(Redirect.DEVNULL));
        assertThrows(IllegalArgumentException.class, () -> Options.defaults().stdin(Redirect.DEVNULL).input("x"));
        assertThrows(IllegalArgumentException.class, () -> Options.defaults().stdout(Redirect.STDOUT));
    }

    @Test
    void redirectsToDevnullStdoutAndFiles() throws Exception {
        CompletedProcess merged = Subprocess.run(List.of("sh", "-c", "echo out; echo err >&2"),
                Options.defaults().stdout(Redirect.PIPE).stderr(Redirect.STDOUT).text());
        assertEquals("out\nerr\n", merged.stdoutText());
        assertNull(merged.stderr());
        Path file = dir.resolve("out.txt");
        Subprocess.run(List.of("sh", "-c", "echo one"), Options.defaults().stdout(Redirect.file(file)).stderr(Redirect.DEVNULL));
        Subprocess.run(List.of("sh", "-c", "echo two"), Options.defaults().stdout(Redirect.appendTo(file)));
        assertEquals("one\ntwo\n", Files.readString(file));
        CompletedProcess fromFile = Subprocess.run(List.of("cat"), Options.defaults().stdin(Redirect.file(file)).captureOutput().text());
        assertEquals("one\ntwo\n", fromFile.stdoutText());
        CompletedProcess env = Subprocess.run(List.of("sh", "-c", "echo $MP4J_X"),
                Options.defaults().putEnv("MP4J_X", "fromjava").captureOutput().text());
        assertEquals("fromjava\n", env.stdoutText());
    }

    @Test
    void popenPollWaitTerminateKill() throws Exception {
        String m = marker();
        try (Popen p = Popen.start(List.of("sleep", m), Options.defaults())) {
            assertTrue(p.pid() > 0);
            assertEquals(OptionalInt.empty(), p.poll());
            assertThrows(TimeoutExpired.class, () -> p.waitFor(Duration.ofMillis(50)));
            p.terminate();
            assertEquals(-15, p.waitFor());
            assertEquals(OptionalInt.of(-15), p.returncode());
        }
        try (Popen p = Popen.start(List.of("sleep", marker()), Options.defaults())) {
            p.kill();
            assertEquals(-9, p.waitFor(Duration.ofSeconds(10)));
        }
        try (Popen p = Popen.start(List.of("sh", "-c", "exit 7"), Options.defaults())) {
            assertEquals(7, p.waitFor());
        }
    }

    @Test
    void communicateTimesOutWithoutLosingOutputAndCanGoOn() throws Exception {
        try (Popen p = Popen.start(List.of("sh", "-c", "echo first; read line; echo \"got $line\""),
                Options.defaults().stdin(Redirect.PIPE).stdout(Redirect.PIPE).stderr(Redirect.PIPE))) {
            // the interactive exchange of the source texts: write to it, read its answer, with a timeout
            OutputStream in = p.stdin();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.stdout(), StandardCharsets.UTF_8));
            assertEquals("first", out.readLine());
            in.write("hello\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertEquals("got hello", out.readLine());
        }
        try (Popen p = Popen.start(List.of("sh", "-c", "echo early; sleep 1; echo late"),
                Options.defaults().stdout(Redirect.PIPE))) {
            TimeoutExpired e = assertThrows(TimeoutExpired.class, () -> p.communicate(null, Duration.ofMillis(300)));
            assertEquals("early\n", e.outputText());
            Popen.Output all = p.communicate(null, Duration.ofSeconds(30));
            assertEquals("early\nlate\n", new String(all.stdout(), StandardCharsets.UTF_8));
        }
        try (Popen p = Popen.start(List.of("sh"), Options.defaults().stdin(Redirect.PIPE).stdout(Redirect.PIPE).stderr(Redirect.PIPE))) {
            Popen.Output o = p.communicate("echo hello; echo $((6*7))".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(3));
            assertEquals("hello\n42\n", new String(o.stdout(), StandardCharsets.UTF_8));
            assertEquals(0, o.stderr().length);
        }
    }

    @Test
    void pipelineConnectsCommandsAndReportsEveryCode() throws Exception {
        CompletedPipeline grep = Subprocess.pipeline(List.of(List.of("printf", "a\\nbash\\nc\\nbash2\\n"), List.of("grep", "bash")),
                Options.defaults().captureOutput().text());
        assertEquals("bash\nbash2\n", grep.stdoutText());
        assertEquals(List.of(0, 0), grep.returncodes());
        CompletedPipeline failing = Subprocess.pipeline(List.of(List.of("sh", "-c", "echo x; echo bad >&2; exit 3"), List.of("cat")),
                Options.defaults().captureOutput());
        assertEquals(List.of(3, 0), failing.returncodes());
        assertEquals(0, failing.returncode());
        assertEquals("bad\n", new String(failing.stderrs().get(0), StandardCharsets.UTF_8));
        CalledProcessError e = assertThrows(CalledProcessError.class, failing::checkReturncodes);
        assertEquals(3, e.returncode());
        CompletedPipeline fed = Subprocess.pipeline(List.of(List.of("cat"), List.of("tr", "a-z", "A-Z")),
                Options.defaults().input("shout\n").stdout(Redirect.PIPE).text());
        assertEquals("SHOUT\n", fed.stdoutText());
        String m = marker();
        assertThrows(TimeoutExpired.class, () -> Subprocess.pipeline(List.of(List.of("sleep", m), List.of("cat")),
                Options.defaults().stdout(Redirect.PIPE).timeout(Duration.ofMillis(300))));
        assertThrows(NoSuchFileException.class, () -> Subprocess.pipeline(List.of(List.of("true"), List.of("no-such-program-mp4j")),
                Options.defaults()));
    }

    @Test
    void childrenGetOnlyTheirThreeStreamsAndDefaultSignals() throws Exception {
        try (java.io.FileInputStream open = new java.io.FileInputStream("/proc/self/stat")) {
            CompletedProcess fds = Subprocess.run(List.of("sh", "-c", "ls /proc/$$/fd"), Options.defaults().captureOutput().text());
            assertEquals(List.of("0", "1", "2"), fds.stdoutText().lines().filter(l -> !l.isBlank()).sorted().toList(),
                    "no descriptor of this JVM leaks into the child (the shell's own listing aside)");
        }
        // grep as our direct child, reading its own status (a shell blocks every signal while it forks)
        CompletedProcess mask = Subprocess.run(List.of("grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"),
                Options.defaults().captureOutput().text());
        assertTrue(mask.stdoutText().contains("SigBlk:\t0000000000000000"), "no signal blocked (posix_spawnp launcher: " + SpawnedProcess.available() + "): " + mask.stdoutText());
        if (SpawnedProcess.available()) {
            // killed by a signal it sent itself: waitpid's status says so (the JDK launcher would read 137)
            assertEquals(-9, Subprocess.run(List.of("sh", "-c", "kill -9 $$")).returncode());
        }
    }

    @Test
    void killTreeAndAnInterruptedRunLeaveNothingBehind() throws Exception {
        String m = marker();
        try (Popen p = Popen.start(List.of("sh", "-c", "sleep " + m + " & sleep " + m + "; wait"), Options.defaults())) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (running(m).size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10); // polling for the shell to start both sleeps, bounded
            }
            assertEquals(2, running(m).size());
            p.killTree();
            assertEquals(-9, p.waitFor(Duration.ofSeconds(10)));
        }
        String m2 = marker();
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread runner = Thread.ofPlatform().start(() -> {
            try {
                Subprocess.run(List.of("sh", "-c", "sleep " + m2 + " & sleep " + m2 + "; wait"));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (running(m2).size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10); // polling for the shell to start both sleeps, bounded
        }
        runner.interrupt();
        runner.join(10_000);
        assertFalse(runner.isAlive());
        assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
        // nothingLeftBehind checks both markers
    }
}
