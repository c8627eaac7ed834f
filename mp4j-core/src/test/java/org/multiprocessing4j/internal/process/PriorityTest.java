package org.multiprocessing4j.internal.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Background priority for the JVMs started for later use (see {@link Priority}). */
class PriorityTest {
    /** The nice value (field 19) in a {@code /proc/.../stat} line. */
    static int niceOf(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Integer.parseInt(f[19 - 3]);
    }

    @Test
    void theNiceValueOfAStatLine() {
        String stat = "4242 (a (strange) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 39 19 12 0 100 0 0";
        assertEquals(19, niceOf(stat));
    }

    @Test
    void nicedRunsACommandAtTheLowestPriorityWhereNiceExists() throws Exception {
        List<String> cmd = List.of("/bin/cat", "/proc/self/stat");
        if (Priority.NICE == null) {
            assertEquals(cmd, Priority.niced(cmd), "without nice on the PATH the command is unchanged");
            return;
        }
        java.lang.Process p = new ProcessBuilder(Priority.niced(cmd)).redirectErrorStream(true).start();
        String stat = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "cat ended");
        assertEquals(0, p.exitValue(), stat);
        int mine = niceOf(Files.readString(Path.of("/proc/thread-self/stat")));
        assertEquals(Math.min(Priority.BACKGROUND, mine + Priority.BACKGROUND), niceOf(stat),
                "the command ran at the lowest priority (the AOT training run is started so): " + stat);
    }
}
