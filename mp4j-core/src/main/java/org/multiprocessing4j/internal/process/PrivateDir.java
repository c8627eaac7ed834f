package org.multiprocessing4j.internal.process;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * This user's private directory for the library's rendezvous files ({@code mp4j-USER} under the
 * temporary directory, mode {@code 0700}): report FIFOs, the manager warm-up's socket.
 *
 * <p>Such a file is named {@code PREFIX PID - RANDOM SUFFIX}, the pid being the process that made
 * it; a process killed with SIGKILL cannot remove its own, so whoever makes a file of the same
 * kind first removes those whose process no longer runs ({@link #fileFor}).
 */
public final class PrivateDir {
    private static final SecureRandom RANDOM = new SecureRandom();

    private PrivateDir() {}

    /** The directory, created on first use with mode {@code 0700}. */
    public static Path path() throws IOException {
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9_.-]", "_");
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "mp4j-" + user);
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another JVM created it
            }
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    /**
     * A fresh name for a file of this process, {@code prefix + pid + "-" + random + suffix}, after
     * removing the files of that kind whose process no longer runs. The file is not created.
     */
    public static Path fileFor(String prefix, String suffix) throws IOException {
        Path dir = path();
        sweep(dir, prefix, suffix);
        return dir.resolve(prefix + ProcessHandle.current().pid() + "-" + Long.toHexString(RANDOM.nextLong()) + suffix);
    }

    /** Removes the files {@code prefix PID-... suffix} in {@code dir} whose process PID no longer runs. */
    static void sweep(Path dir, String prefix, String suffix) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "*" + suffix)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                int dash = n.indexOf('-', prefix.length());
                if (dash < 0) {
                    continue;
                }
                try {
                    long pid = Long.parseLong(n.substring(prefix.length(), dash));
                    if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        Files.deleteIfExists(p);
                    }
                } catch (NumberFormatException | IOException ignored) {
                    // not ours, or already gone
                }
            }
        } catch (IOException ignored) {
            // nothing to sweep
        }
    }
}
