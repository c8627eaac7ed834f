package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.process.ProcessAccess;

/**
 * The parent's start warm-up ({@link StartWarmup}, part of {@link Multiprocessing#warmUp()}) and
 * the decode a pre-started JVM makes ahead of RUN ({@link Codec#rehearse}), whose value stands in
 * for the real decode only when it is a plain copy.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StartWarmupTest {
    static void nothing() {
        // a target
    }

    static void twice(Integer n) {
        if (n * 2 != 84) {
            throw new AssertionError(n);
        }
    }

    static void holding(Lock lock) {
        lock.lock();
        lock.unlock();
    }

    @Test
    void theStartWarmUpLeavesTheProgramsNumberingAndChildrenAlone() {
        Process before = new Process(StartWarmupTest::nothing);
        List<Process> activeBefore = Multiprocessing.activeChildren();

        StartWarmup.run(); // throws when one of its starts does not end with exit code 0

        Process after = new Process(StartWarmupTest::nothing);
        assertEquals(number(before.name()) + 1, number(after.name()), before.name() + " then " + after.name());
        assertEquals(activeBefore, Multiprocessing.activeChildren());
    }

    @Test
    void aRehearsedDecodeWithoutHandlesIsAPlainFreshCopy() throws Exception {
        Codec codec = new Codec(StartWarmupTest.class.getClassLoader());
        codec.register(Process.class, StartWarmupTest.class);
        byte[] payload = ProcessAccess.get().encodePayload(codec, new Process(StartWarmupTest::twice, 42));

        Codec.Rehearsal<Object> first = Codec.rehearse(() -> ProcessAccess.get().decodePayload(codec, payload));
        Codec.Rehearsal<Object> second = Codec.rehearse(() -> ProcessAccess.get().decodePayload(codec, payload));

        assertTrue(first.plain());
        assertNotSame(first.value(), second.value());
        ((Process) first.value()).run(); // the decoded target and argument: throws unless it got 42
        assertFalse(Codec.resolvingHandle(), "the rehearsal mark outlived the rehearsal");
    }

    @Test
    void aRehearsedDecodeThatMetAHandleIsNotPlain() {
        Codec codec = new Codec(StartWarmupTest.class.getClassLoader());
        codec.register(Process.class, StartWarmupTest.class);
        Lock lock = Multiprocessing.defaultContext().lock();
        byte[] payload = ProcessAccess.get().encodePayload(codec, new Process(StartWarmupTest::holding, lock));

        Codec.Rehearsal<Object> r = Codec.rehearse(() -> ProcessAccess.get().decodePayload(codec, payload));

        assertNotNull(r.value());
        assertFalse(r.plain(), "a payload holding a lock was taken for a plain copy");
    }

    private static int number(String name) {
        return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
    }
}
