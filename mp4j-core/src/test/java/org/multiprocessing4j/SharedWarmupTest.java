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
 * The warm-up every pre-started JVM runs, run here in the test JVM: it checks its own results
 * (sums of what went through each queue, pipe, lock and pool loop) and throws when one is wrong,
 * and it must give back every segment it made. A pre-started JVM only prints a failed warm-up on
 * its stderr, so this is where a broken one shows.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedWarmupTest {
    @Test
    void theWarmUpComputesWhatItShouldAndLeavesNoSegmentBehind() throws IOException {
        Set<String> attachedBefore = Segments.attachedNames();
        Set<String> filesBefore = segmentFiles();

        SharedWarmup.run(false); // throws IllegalStateException naming the part whose result was wrong

        assertEquals(attachedBefore, Segments.attachedNames(), "segments still attached after the warm-up");
        assertEquals(filesBefore, segmentFiles(), "segment files left in " + Segments.DIR + " by the warm-up");
    }

    private static Set<String> segmentFiles() throws IOException {
        try (Stream<java.nio.file.Path> files = Files.list(Segments.DIR)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(Segments.PREFIX))
                    .collect(Collectors.toSet());
        }
    }
}
