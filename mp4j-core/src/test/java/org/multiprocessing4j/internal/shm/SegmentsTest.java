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
}
