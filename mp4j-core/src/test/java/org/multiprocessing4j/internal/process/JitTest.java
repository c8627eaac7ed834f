package org.multiprocessing4j.internal.process;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class JitTest {
    /** Code this JVM has not run yet, hot enough to be compiled: work for the JIT. */
    private static long churn(int seed) {
        long acc = 0;
        for (int i = 0; i < 20_000; i++) {
            final int k = i + seed;
            acc += IntStream.range(0, 8).map(x -> x * k ^ (x + seed)).filter(x -> (x & 1) == 0).sum();
            acc += BigInteger.valueOf(k).pow(3).mod(BigInteger.valueOf(1_000_003 + seed)).longValue();
            acc += Integer.toHexString(k).chars().sum();
        }
        return acc;
    }

    @Test
    void theCompilerThreadsAreFoundAndTheirWorkIsSeen() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "reads /proc");
        Jit.CompilerThreads threads = Jit.CompilerThreads.of();
        assertNotNull(threads, "compiler threads are read from /proc/self/task on Linux");
        long seen = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (int round = 0; seen == 0 && System.nanoTime() < deadline; round++) {
            churn(round);
            seen += Math.max(0, threads.advance());
        }
        assertTrue(seen > 0, "the compiler threads' CPU time grew while new code got hot");
    }

    @Test
    void awaitQuietEndsWithinItsLimit() {
        churn(7); // compilations queued and running
        long t0 = System.nanoTime();
        Jit.awaitQuiet();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 10_000, "awaitQuiet waits at most about 2 s, took " + ms + " ms");
    }
}
