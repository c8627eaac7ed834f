package org.multiprocessing4j.internal.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What every child's command line carries whatever the context's own options. */
class JvmCommandTest {
    @Test
    void everyChildRunsItsWarmUpUncompiledWithoutEchoingTheCommand() throws ClassNotFoundException {
        // the exclusion names the warm-up class by its name: a rename would silently end it
        String warmUp = Class.forName("org.multiprocessing4j.SharedWarmup").getName();
        for (List<String> own : List.of(List.<String>of(), List.of("-Xmx64m", "-XX:TieredStopAtLevel=1"))) {
            JvmCommand jvm = new JvmCommand(own, false, "a.jar");
            List<String> options = jvm.options();
            assertTrue(options.contains("-XX:CompileCommand=exclude," + warmUp + "::*"), options.toString());
            assertTrue(options.contains("-XX:CompileCommand=quiet"), options.toString());
            assertTrue(options.containsAll(own), "the context's options are kept: " + options);
            List<String> command = jvm.command(null, List.of(), "warm");
            assertEquals(JvmCommand.MAIN_CLASS, command.get(command.size() - 2));
            assertTrue(command.indexOf("-XX:CompileCommand=quiet") < command.indexOf("-cp"), "JVM options come before the class path");
        }
    }
}
