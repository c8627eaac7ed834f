package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Contexts: selection by name, options, and what close() stops and what it does not. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ContextTest {
    @TempDir
    Path dir;

    @AfterAll
    static void noLeftovers() throws InterruptedException {
        Leaks.assertNoChildProcessesWithin(Duration.ofSeconds(10));
    }

    @Test
    void startMethodsAreFoundByNameInAnyCaseAndUnknownOnesListTheValidOnes() {
        assertSame(StartMethod.WARM, StartMethod.of(" Warm "));
        assertSame(Multiprocessing.context("thread"), Multiprocessing.context(StartMethod.THREAD));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Multiprocessing.context("fork"));
        assertEquals("cannot find context for start method 'fork'; valid start methods are: spawn, warm, thread", e.getMessage());
        assertEquals(List.of("spawn", "warm", "thread"), Multiprocessing.allStartMethods());
    }

    @Test
    void theDefaultStartMethodIsSetOnceUnlessForced() {
        String before = Multiprocessing.getStartMethod(); // fixes the default, as first use does in CPython
        String other = before.equals("thread") ? "spawn" : "thread";
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Multiprocessing.setStartMethod(other));
            assertTrue(e.getMessage().startsWith("context has already been set"), e.getMessage());
            Multiprocessing.setStartMethod(before); // the same method again is no change
            Multiprocessing.setStartMethod(other, true);
            assertEquals(other, Multiprocessing.getStartMethod());
            assertSame(Multiprocessing.context(other), Multiprocessing.defaultContext());
        } finally {
            Multiprocessing.setStartMethod(before, true);
        }
        assertEquals(before, Multiprocessing.getStartMethod());
    }

    @Test
    void aWarmReserveSmallerThanOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Context.builder(StartMethod.WARM).warmReserve(0));
    }

    @Test
    void closingAContextStopsItsIdleJvmsButNotTheProcessesItStarted() throws Exception {
        Context ctx = Context.builder(StartMethod.WARM).warmReserve(1).build();
        assertTrue(ctx.prepare(Duration.ofSeconds(60)), "reserve full");
        Path out = dir.resolve("after-close");
        Process p = ctx.process((String path) -> {
            Thread.sleep(1000);
            Files.writeString(Path.of(path), "ran on");
        }, out.toString());
        p.start();
        ctx.close();
        assertThrows(IllegalStateException.class, () -> ctx.process(() -> { }).start(), "a closed context starts nothing");
        assertTrue(p.join(Duration.ofSeconds(30)));
        assertEquals(0, p.exitCode().getAsInt());
        assertEquals("ran on", Files.readString(out));
        // the idle reserve JVMs halted when their stdin closed: checked by the leak check after the class
    }

    @Test
    void childJvmOptionsReachTheChild() throws Exception {
        try (Context ctx = Context.builder(StartMethod.SPAWN).jvmOptions(List.of("-XX:+UseSerialGC", "-Dmp4j.test.marker=42"))
                .build()) {
            Path out = dir.resolve("property");
            Process p = ctx.process((String path) -> Files.writeString(Path.of(path), System.getProperty("mp4j.test.marker")),
                    out.toString());
            p.start();
            assertTrue(p.join(Duration.ofSeconds(30)));
            assertEquals("42", Files.readString(out));
        }
    }

    @Test
    void aChildJvmGetsCopiesOfItsArguments() throws Exception {
        try (Context ctx = Context.builder(StartMethod.SPAWN).build()) {
            byte[] data = {1, 2, 3};
            Path out = dir.resolve("copy");
            Process p = ctx.process((byte[] b, String path) -> {
                b[0] = 99;
                Files.write(Path.of(path), b);
            }, data, out.toString());
            p.start();
            assertTrue(p.join(Duration.ofSeconds(30)));
            assertEquals(99, Files.readAllBytes(out)[0]);
            assertEquals(1, data[0], "the parent's array is not the child's");
        }
    }
}
