package org.multiprocessing4j.internal.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

class PrivateDirTest {
    @Test
    void theDirectoryIsTheOwnersOnly() throws Exception {
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(PrivateDir.path())));
    }

    @Test
    void aNewNameRemovesTheFilesOfDeadProcessesOnly() throws Exception {
        java.lang.Process ended = new ProcessBuilder("true").start();
        assertTrue(ended.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        long deadPid = ended.pid(); // reaped, so no process runs under it (pid reuse within the test is not plausible)
        Path dir = PrivateDir.path();
        Path dead = Files.createFile(dir.resolve("test-" + deadPid + "-1.kind"));
        Path alive = Files.createFile(dir.resolve("test-" + ProcessHandle.current().pid() + "-2.kind"));
        Path otherKind = Files.createFile(dir.resolve("test-" + deadPid + "-3.other"));
        try {
            Path fresh = PrivateDir.fileFor("test-", ".kind");
            assertFalse(Files.exists(dead), "the dead process's file was removed");
            assertTrue(Files.exists(alive), "a living process's file is kept");
            assertTrue(Files.exists(otherKind), "files of another kind are not touched");
            assertTrue(fresh.getFileName().toString().startsWith("test-" + ProcessHandle.current().pid() + "-"));
            assertFalse(Files.exists(fresh), "the name only");
        } finally {
            Files.deleteIfExists(dead);
            Files.deleteIfExists(alive);
            Files.deleteIfExists(otherKind);
        }
    }
}
