package org.multiprocessing4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) throws Exception {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpListsTheCommands() throws Exception {
        assertEquals(0, run("--help"));
        String text = out.toString(StandardCharsets.UTF_8);
        for (String command : new String[] {"demo", "bench", "test", "jmh"}) {
            assertTrue(text.contains("  " + command), text);
        }
    }

    @Test
    void anUnknownCommandIsAnErrorWithUsage() throws Exception {
        assertEquals(2, run("frobnicate"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command 'frobnicate'"));
    }

    @Test
    void demoWithoutANameListsTheDemos() throws Exception {
        assertEquals(0, run("demo"));
        String text = out.toString(StandardCharsets.UTF_8);
        for (String name : new String[] {"process-basics", "process-subclass", "daemon", "join-order"}) {
            assertTrue(text.contains(name), text);
        }
    }

    @Test
    void anUnknownDemoIsAnError() throws Exception {
        assertEquals(2, run("demo", "no-such-demo"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no demo named 'no-such-demo'"));
    }

    @Test
    void benchRejectsUnknownWorkloadsAndOptions() throws Exception {
        assertEquals(2, run("bench", "--only", "no_such_workload"));
        assertEquals(2, run("bench", "--frobnicate"));
    }
}
