package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Not timed: 8 producer and 8 consumer processes move 2 million messages through one
 * {@link Queue}; every message arrives exactly once (a shared count per message id).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class QueueStressTest {
    static final int PRODUCERS = 8;
    static final int CONSUMERS = 8;
    static final int PER_PRODUCER = 250_000;
    static final int TOTAL = PRODUCERS * PER_PRODUCER;
    static final Duration WAIT = Duration.ofSeconds(300);

    static void produce(Queue<Integer> q, Integer p) throws InterruptedException {
        for (int i = 0; i < PER_PRODUCER; i++) {
            q.put(p * PER_PRODUCER + i);
        }
    }

    static void consume(Queue<Integer> q, SharedIntArray seen) throws InterruptedException {
        while (true) {
            int id = q.get();
            if (id < 0) {
                return;
            }
            seen.incrementAndGet(id);
        }
    }

    @Test
    void eightProducersAndEightConsumersMoveTwoMillionMessagesExactlyOnce() throws InterruptedException {
        try (Context ctx = Context.builder(StartMethod.SPAWN).build()) {
            Queue<Integer> q = ctx.queue();
            SharedIntArray seen = ctx.sharedIntArray(TOTAL);
            List<Process> consumers = new ArrayList<>();
            for (int c = 0; c < CONSUMERS; c++) {
                Process p = ctx.process(QueueStressTest::consume, q, seen);
                p.start();
                consumers.add(p);
            }
            List<Process> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                Process pr = ctx.process(QueueStressTest::produce, q, p);
                pr.start();
                producers.add(pr);
            }
            for (Process p : producers) {
                assertTrue(p.join(WAIT), p + " did not end");
                assertEquals(OptionalInt.of(0), p.exitCode(), p + " failed");
            }
            for (int c = 0; c < CONSUMERS; c++) {
                q.put(-1);
            }
            for (Process p : consumers) {
                assertTrue(p.join(WAIT), p + " did not end");
                assertEquals(OptionalInt.of(0), p.exitCode(), p + " failed");
            }
            assertTrue(q.empty(), "messages left in the queue: " + q.qsize());
            int[] counts = seen.toArray();
            int missing = 0;
            int duplicated = 0;
            for (int n : counts) {
                if (n == 0) {
                    missing++;
                } else if (n > 1) {
                    duplicated++;
                }
            }
            assertEquals(0, missing, "messages lost");
            assertEquals(0, duplicated, "messages delivered more than once");
            q.close();
        }
    }
}
