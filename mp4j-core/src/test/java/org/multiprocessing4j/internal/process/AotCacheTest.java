package org.multiprocessing4j.internal.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The AOT cache key and its clean-up (the cache itself is exercised by every ./mp4j run). */
class AotCacheTest {
    @TempDir
    Path dir;

    private static AotCache cacheFor(String classPath, List<String> options) {
        return new AotCache(new JvmCommand(options, false, classPath), true, () -> null);
    }

    @Test
    void aJarChangedInPlaceGivesANewKey() throws IOException {
        Path a = dir.resolve("a.jar");
        Path b = dir.resolve("b.jar");
        Files.write(a, new byte[] {1, 2, 3, 4});
        Files.write(b, new byte[] {5, 6});
        String cp = a + ":" + b;
        String before = cacheFor(cp, List.of()).key();
        assertEquals(before, cacheFor(cp, List.of()).key(), "the key is a function of the inputs");
        Files.write(a, new byte[] {1, 2, 3, 5}); // same path, same size, other contents (JDK-8377932)
        assertNotEquals(before, cacheFor(cp, List.of()).key());
        assertNotEquals(cacheFor(cp, List.of()).key(), cacheFor(cp, List.of("-Xmx64m")).key(), "options are part of the key");
    }

    @Test
    void aClassPathWithADirectoryGetsNoCache() throws IOException {
        Path jar = dir.resolve("a.jar");
        Files.write(jar, new byte[] {1});
        assertTrue(new JvmCommand(List.of(), false, jar.toString()).classPathIsJarsOnly());
        assertFalse(new JvmCommand(List.of(), false, jar + ":" + dir).classPathIsJarsOnly());
        assertFalse(new JvmCommand(List.of(), false, "").classPathIsJarsOnly());
    }

    @Test
    void pruningKeepsTheNewestCachesAndRemovesOldLeftovers() throws IOException {
        long now = System.currentTimeMillis();
        for (int i = 0; i < 6; i++) {
            Path p = Files.write(dir.resolve("child-" + i + ".aot"), new byte[] {1});
            Files.setLastModifiedTime(p, FileTime.fromMillis(now - i * 60_000L)); // child-0 newest
        }
        Path oldTmp = Files.write(dir.resolve("child-x.aot.tmp"), new byte[] {1});
        Files.setLastModifiedTime(oldTmp, FileTime.fromMillis(now - 2 * 24 * 3600_000L));
        long me = ProcessHandle.current().pid();
        Path freshTmp = Files.write(dir.resolve("child-y.aot." + me + ".tmp"), new byte[] {1});
        Path deadBuilder = Files.write(dir.resolve("child-z.aot.999999999.sample"), new byte[] {1});
        Path deadConfig = Files.write(dir.resolve("child-z.aot.999999999.tmp.config"), new byte[] {1}); // the JDK's, beside its output
        Path unrelated = Files.write(dir.resolve("other.txt"), new byte[] {1});
        AotCache.prune(dir, null); // as before a training run: the newest caches stay
        for (int i = 0; i < 6; i++) {
            assertEquals(i < AotCache.KEEP, Files.exists(dir.resolve("child-" + i + ".aot")), "child-" + i);
        }
        assertFalse(Files.exists(deadBuilder), "its builder is gone");
        deadBuilder = Files.write(dir.resolve("child-z.aot.999999999.sample"), new byte[] {1});
        AotCache.prune(dir, dir.resolve("child-0.aot"));
        for (int i = 0; i < 6; i++) {
            assertEquals(i < AotCache.KEEP, Files.exists(dir.resolve("child-" + i + ".aot")), "child-" + i);
        }
        assertFalse(Files.exists(oldTmp), "a day-old leftover of a dead build");
        assertTrue(Files.exists(freshTmp), "a build in progress (its builder runs)");
        assertFalse(Files.exists(deadBuilder), "its builder is gone");
        assertFalse(Files.exists(deadConfig), "its builder is gone");
        assertTrue(Files.exists(unrelated));
    }
}
