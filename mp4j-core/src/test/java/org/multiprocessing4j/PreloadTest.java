package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Context.Builder#preload}: what every pre-started JVM runs before it joins the reserve,
 * seen from the processes that start in those JVMs, and what a preload that fails leaves.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PreloadTest {
    /** How many times the preload ran in this JVM: in the test JVM, never. */
    static final AtomicInteger PRELOADS = new AtomicInteger();

    @TempDir
    Path dir;

    @AfterAll
    static void noLeftovers() throws InterruptedException {
        Leaks.assertNoChildProcessesWithin(Duration.ofSeconds(10));
        Leaks.assertNoSegmentsOfOtherProcessesWithin(Duration.ofSeconds(10));
    }

    static void countPreload() {
        PRELOADS.incrementAndGet();
    }

    /** A preload that makes a queue of its own, uses it, then fails. */
    static void failingPreload() throws InterruptedException {
        Queue<Integer> q = Multiprocessing.queue();
        q.put(1);
        q.get();
        throw new IllegalStateException("preload fails on purpose");
    }

    /** Writes how many times the preload ran in this JVM. */
    static void reportPreloads(String path) throws java.io.IOException {
        Files.writeString(Path.of(path), Integer.toString(PRELOADS.get()));
    }

    @Test
    void everyPreStartedJvmRunsThePreloadOnceBeforeItsProcess() throws Exception {
        try (Context ctx = Context.builder(StartMethod.WARM).warmReserve(2).preload(PreloadTest::countPreload).build()) {
            for (int i = 0; i < 3; i++) {
                assertTrue(ctx.prepare(Duration.ofSeconds(120)), "reserve full");
                Path out = dir.resolve("preloads-" + i);
                Process p = ctx.process(PreloadTest::reportPreloads, out.toString());
                p.start();
                assertTrue(p.join(Duration.ofSeconds(60)));
                assertEquals(0, p.exitCode().orElseThrow());
                assertEquals("1", Files.readString(out), "the preload ran once in the JVM of process " + i);
            }
        }
        assertEquals(0, PRELOADS.get(), "the preload runs in the pre-started JVMs only");
    }

    @Test
    void aPreloadThatThrowsStopsTheReserveAndStartsSpawnWithoutIt() throws Exception {
        try (Context ctx = Context.builder(StartMethod.WARM).warmReserve(1).preload(PreloadTest::failingPreload).build()) {
            long t0 = System.nanoTime();
            assertFalse(ctx.prepare(Duration.ofSeconds(120)), "a reserve whose preload fails cannot fill");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(100), "prepare gave up at the failure, not at the timeout");
            Path out = dir.resolve("spawned");
            Process p = ctx.process(PreloadTest::reportPreloads, out.toString());
            p.start();
            assertTrue(p.join(Duration.ofSeconds(60)));
            assertEquals(0, p.exitCode().orElseThrow());
            assertEquals("0", Files.readString(out), "a spawned JVM does not run the preload");
        }
        // the failed JVM let go of its queue's segment before it halted: checked after the class
    }

    @Test
    void aPreloadNeedsTheWarmStartMethod() {
        for (StartMethod m : new StartMethod[] {StartMethod.SPAWN, StartMethod.THREAD}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Context.builder(m).preload(PreloadTest::countPreload));
            assertTrue(e.getMessage().contains("the " + m.methodName() + " start method keeps none"), e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> Context.builder(StartMethod.WARM).preload(null));
    }

    @Test
    void anUnserialisablePreloadFailsAtBuildNamingTheClass() {
        Object notSerialisable = new Object();
        Context.Builder b = Context.builder(StartMethod.WARM).preload(() -> notSerialisable.hashCode());
        SerializationException e = assertThrows(SerializationException.class, b::build);
        assertEquals("java.lang.Object", e.offendingClass().orElseThrow());
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
    }
}
