package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * The warm-up every pre-started JVM runs, run here in the test JVM through its public entry
 * ({@link Multiprocessing#warmUp()}, a parent's own warm-up): it checks its own results
 * (sums of what went through each queue, pipe, lock and pool loop) and throws when one is wrong,
 * and it must give back every segment it made. A pre-started JVM only prints a failed warm-up on
 * its stderr, so this is where a broken one shows.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedWarmupTest {
    @Test
    void theWarmUpComputesWhatItShouldAndLeavesNoSegmentBehind() throws IOException {
        // This JVM may hold segments of earlier tests (some released by cleaners meanwhile), and
        // pre-started JVMs of other contexts may be making their own: only what is new and this
        // JVM's counts.
        Set<String> attachedBefore = Segments.attachedNames();
        Set<String> filesBefore = segmentFiles();

        Multiprocessing.warmUp(); // SharedWarmup.run: throws IllegalStateException naming the part whose result was wrong

        Set<String> attachedNow = new java.util.TreeSet<>(Segments.attachedNames());
        attachedNow.removeAll(attachedBefore);
        assertEquals(Set.of(), attachedNow, "segments still attached after the warm-up");
        Set<String> createdHere = new java.util.TreeSet<>();
        for (String f : segmentFiles()) {
            if (!filesBefore.contains(f) && createdByThisJvm(f)) {
                createdHere.add(f);
            }
        }
        assertEquals(Set.of(), createdHere, "segment files left in " + Segments.DIR + " by the warm-up");
    }

    private static Set<String> segmentFiles() throws IOException {
        try (Stream<java.nio.file.Path> files = Files.list(Segments.DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(Segments.PREFIX))
                    .collect(Collectors.toSet());
        }
    }

    /** The creator's pid in the segment header (a long at offset 24, see Segment); false for a file gone or not yet written. */
    private static boolean createdByThisJvm(String file) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(Segments.DIR.resolve(file))) {
            java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(32).order(java.nio.ByteOrder.nativeOrder());
            while (header.hasRemaining() && ch.read(header) > 0) {
                // read the first 32 bytes
            }
            return header.position() == 32 && header.getLong(24) == ProcessHandle.current().pid();
        } catch (IOException e) {
            return false; // removed meanwhile
        }
    }
}
