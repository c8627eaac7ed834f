package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Process contract on threads (CPython's multiprocessing.dummy). */
class ThreadProcessTest extends ProcessContract {
    @Override
    StartMethod method() {
        return StartMethod.THREAD;
    }

    @Override
    boolean separateJvm() {
        return false;
    }

    @Test
    void theTargetRunsOnACopyOfItsArguments() throws Exception {
        List<String> list = new ArrayList<>(List.of("a"));
        Process p = ctx.process((List<String> l) -> l.add("changed in the child"), list);
        p.start();
        assertTrue(p.join(Duration.ofSeconds(10)));
        assertEquals(0, p.exitCode().getAsInt());
        assertEquals(List.of("a"), list, "the parent's list is not the child's");
    }
}
