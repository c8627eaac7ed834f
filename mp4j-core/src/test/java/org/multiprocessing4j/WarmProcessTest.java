package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Process contract on pre-started child JVMs, and what is particular to the warm reserve. */
class WarmProcessTest extends ProcessContract {
    @Override
    StartMethod method() {
        return StartMethod.WARM;
    }

    @Override
    boolean separateJvm() {
        return true;
    }

    @Test
    void everyProcessGetsAFreshJvmAndTheReserveRefills() throws Exception {
        assertTrue(ctx.prepare(Duration.ofSeconds(60)), "reserve filled");
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            Process p = ctx.process(() -> { });
            p.start();
            assertTrue(p.join(Duration.ofSeconds(30)));
            assertEquals(0, p.exitCode().getAsInt());
            pids.add(p.pid());
        }
        assertEquals(4, pids.size(), "one JVM per process: " + pids);
        assertTrue(ctx.prepare(Duration.ofSeconds(60)), "reserve refilled");
    }

    @Test
    void aReserveJvmPreparedWithAnOlderAllowListStillRunsANewlyRegisteredClass() throws Exception {
        assertTrue(ctx.prepare(Duration.ofSeconds(60)));
        record Late(String text) implements java.io.Serializable {}
        ctx.register(Late.class);
        java.nio.file.Path out = dir.resolve("late");
        Process p = ctx.process((String path, Late l) -> writeFile(path, l.text()), out.toString(), new Late("late"));
        p.start();
        assertTrue(p.join(Duration.ofSeconds(30)));
        assertEquals("late", read(out));
    }
}
