package org.multiprocessing4j.internal.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Creation and the sweep in one process; the cross-process cases are in SyncContract. */
class SegmentsTest {
    private static final int KIND = 99; // a kind no handle class uses

    private static List<String> tmpFiles() throws IOException {
        try (Stream<Path> files = Files.list(Segments.DIR)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(Segments.PREFIX) && n.endsWith(".tmp")).toList();
        }
    }

    @Test
    void aFileLeftHalfCreatedByAKilledCreatorIsSweptAtOnce() throws IOException {
        // What a creator killed between creating its .tmp file and publishing it leaves: a fresh
        // file that no process holds a lock on (the kernel dropped the dead creator's).
        Path orphan = Segments.DIR.resolve(Segments.PREFIX + "rhalfcreated" + ProcessHandle.current().pid() + ".tmp");
        Files.createFile(orphan, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        assertTrue(Segments.sweep() >= 1);
        assertFalse(Files.exists(orphan), "swept although it was just created");
    }

    @Test
    void creationLeavesOnlyTheOwnerOnlySegmentBehind() throws IOException {
        Segment s = Segments.create(KIND, 64);
        try {
            assertEquals(List.of(), tmpFiles().stream().filter(n -> !n.contains("halfcreated")).toList());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.path())));
            Segments.sweep();
            assertTrue(Files.exists(s.path()), "a held segment is never swept");
        } finally {
            Segments.release(s);
        }
        assertFalse(Files.exists(s.path()), "the last user out removes it");
    }

    /**
     * A process that has let go of its segments for its exit ({@link Segments#atExit()}) creates
     * and maps no more: a thread still running until the halt (a warm JVM's warm-up when its
     * parent closes the context) would otherwise leave a file that nobody holds. Run in a JVM of
     * its own, since atExit ends this process's use of shared memory.
     */
    @Test
    void nothingIsCreatedOrMappedAfterExit() throws Exception {
        Segment held = Segments.create(KIND, 64); // the exited JVM must not map it
        try {
            java.util.List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    AfterExit.class.getName(), held.name());
            java.lang.Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the JVM did not end");
            assertEquals(0, p.exitValue(), out);
            String[] lines = out.strip().split("\\R");
            String last = lines[lines.length - 1];
            assertTrue(last.startsWith("refused both; "), out);
            String own = last.substring("refused both; ".length());
            assertFalse(Segments.exists(own), "the exited JVM's own segment is still there");
            assertTrue(Segments.exists(held.name()));
        } finally {
            Segments.release(held);
        }
        assertEquals(List.of(), tmpFiles().stream().filter(n -> !n.contains("halfcreated")).toList());
    }

    /** The JVM of {@link #nothingIsCreatedOrMappedAfterExit()}: args[0] names a segment of its parent. */
    static final class AfterExit {
        public static void main(String[] args) {
            Segment own = Segments.create(KIND, 64);
            Segments.atExit();
            String createRefused = refusal(() -> Segments.create(KIND, 64));
            String attachRefused = refusal(() -> Segments.attach(args[0], KIND));
            System.out.println(createRefused == null && attachRefused == null && Segments.exited()
                    ? "refused both; " + own.name() : "not refused: " + createRefused + " / " + attachRefused);
            Runtime.getRuntime().halt(0);
        }

        /** Null when {@code call} was refused because the process is exiting, else what happened. */
        private static String refusal(Runnable call) {
            try {
                call.run();
                return "done";
            } catch (IllegalStateException e) {
                return e.getMessage().contains("exiting") ? null : e.toString();
            } catch (RuntimeException e) {
                return e.toString();
            }
        }
    }
}
