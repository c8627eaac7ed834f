package org.multiprocessing4j.subprocess;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * This process's ends of a {@link SpawnedProcess}'s stdin, stdout and stderr pipes, kept as raw
 * descriptors until someone needs them: either turned into Java streams on demand
 * ({@link Popen#stdout()} and the like), or, for {@link Popen#communicate}, stdout and stderr read
 * to their end in the calling thread with {@code poll(2)}, as CPython's {@code communicate} does
 * on POSIX: no thread per pipe and no hand-off between threads, which a short run pays for more
 * than for its own work.
 *
 * <p>A descriptor belongs to exactly one owner at a time: this object, a stream made from it, or
 * nobody once closed. Descriptors nobody took are closed by {@link #close()}, or by a cleaner
 * when the object is forgotten. Thread-safety: every method is synchronized; {@link #collect}
 * holds the lock while it waits, so a stream cannot be taken from under a running collection.
 */
final class ChildPipes implements AutoCloseable {
    static final int STDIN = 0;
    static final int STDOUT = 1;
    static final int STDERR = 2;
    private static final Cleaner CLEANER = Cleaner.create();
    /** Longest one {@code poll} lasts: how late a collecting thread may see its interrupt. */
    private static final int SLICE_MS = 20;
    /** The first read's size: most children say little. */
    private static final int FIRST_CHUNK = Scratch.COLLECT_BUFFER_SIZE;
    /** A pipe's capacity on Linux, what one read can return at most: the read size once one filled the first. */
    private static final int CHUNK = 65536;

    /** The descriptors, shared with the cleaner; -1 where there is none (not a pipe, taken, or closed). */
    private final Fds fds;
    /** Which of stdout and stderr were pipes (what {@link #collected} reports null for). */
    private final boolean[] piped = new boolean[3];
    /** What {@link #collect} has read from stdout and stderr so far. */
    private final ByteArrayOutputStream[] got = new ByteArrayOutputStream[3];
    private final Cleaner.Cleanable cleanable;

    /** Owns the descriptors of this process's ends (-1: not a pipe). */
    ChildPipes(int stdin, int stdout, int stderr) {
        this.fds = new Fds(new int[] {stdin, stdout, stderr});
        for (int i = 0; i < 3; i++) {
            piped[i] = fds.fd[i] >= 0;
        }
        this.cleanable = CLEANER.register(this, fds);
    }

    /** The child's stdin as a stream (taken once; later calls and non-pipes get a stream that discards). */
    synchronized OutputStream stdinStream() {
        int fd = fds.take(STDIN);
        if (fd < 0) {
            return OutputStream.nullOutputStream();
        }
        try {
            return new FileOutputStream(reopen(fd));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the child's stdin", e);
        } finally {
            closeFd(fd); // the stream opened its own descriptor of the same pipe
        }
    }

    /** The child's stdout or stderr as a stream (taken once; later calls and non-pipes get an empty stream). */
    synchronized InputStream inputStream(int which) {
        int fd = fds.take(which);
        if (fd < 0) {
            return InputStream.nullInputStream();
        }
        try {
            return new FileInputStream(reopen(fd));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the child's " + (which == STDOUT ? "stdout" : "stderr"), e);
        } finally {
            closeFd(fd);
        }
    }

    /** The pipe itself through {@code /proc}: Java has no public way to wrap a raw descriptor. */
    private static String reopen(int fd) {
        return "/proc/self/fd/" + fd;
    }

    /**
     * Reads stdout and stderr (those still held here) until both reach their end, or until
     * {@code deadline} ({@link System#nanoTime()}, {@link Long#MAX_VALUE}: none). Each pipe is
     * closed at its end. May be called again after a deadline passed: nothing read is lost.
     *
     * @return true when both have ended, false when the deadline passed first
     * @throws InterruptedException when the thread is interrupted (seen within
     *     {@value #SLICE_MS} ms); what was read so far stays
     */
    synchronized boolean collect(long deadline) throws InterruptedException {
        for (int i = STDOUT; i <= STDERR; i++) {
            if (piped[i] && got[i] == null) {
                got[i] = new ByteArrayOutputStream();
            }
        }
        Arena large = null; // for a child that writes a lot: the first chunk filled, the rest in 64 KiB reads
        try {
            Scratch scratch = Scratch.get();
            // two struct pollfd { int fd; short events; short revents; }
            MemorySegment pollFds = scratch.at(Scratch.COLLECT_POLL, 16);
            MemorySegment state = scratch.at(Scratch.COLLECT_STATE, SpawnedProcess.Native.CALL_STATE.byteSize());
            MemorySegment buffer = null;
            byte[] chunk = null;
            for (;;) {
                int out = fds.get(STDOUT);
                int err = fds.get(STDERR);
                if (out < 0 && err < 0) {
                    return true;
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                pollFds.set(JAVA_INT, 0, out); // poll skips negative descriptors
                pollFds.set(JAVA_SHORT, 4, SpawnedProcess.Native.POLLIN);
                pollFds.set(JAVA_SHORT, 6, (short) 0);
                pollFds.set(JAVA_INT, 8, err);
                pollFds.set(JAVA_SHORT, 12, SpawnedProcess.Native.POLLIN);
                pollFds.set(JAVA_SHORT, 14, (short) 0);
                int slice = (int) Math.min(SLICE_MS, (left + 999_999) / 1_000_000);
                int ready = (int) SpawnedProcess.Native.POLL.invokeExact(pollFds, 2L, slice);
                if (ready <= 0) {
                    continue; // the slice passed, or a signal came (EINTR)
                }
                for (int k = 0; k < 2; k++) {
                    if (pollFds.get(JAVA_SHORT, k * 8 + 6) == 0) {
                        continue;
                    }
                    int which = k == 0 ? STDOUT : STDERR;
                    if (buffer == null) {
                        buffer = scratch.at(Scratch.COLLECT_BUFFER, FIRST_CHUNK);
                        chunk = new byte[FIRST_CHUNK];
                    }
                    // readable, hung up or failed: one read tells which (data, 0 at the end, -1 an error)
                    long n = (long) SpawnedProcess.Native.READ.invokeExact(state, fds.get(which), buffer, (long) chunk.length);
                    if (n > 0) {
                        MemorySegment.copy(buffer, JAVA_BYTE, 0, chunk, 0, (int) n);
                        got[which].write(chunk, 0, (int) n);
                        if (n == chunk.length && chunk.length < CHUNK) { // a child that writes a lot
                            large = Arena.ofConfined();
                            buffer = large.allocate(CHUNK);
                            chunk = new byte[CHUNK];
                        }
                    } else if (n == 0 || (int) SpawnedProcess.Native.ERRNO.get(state, 0L) != SpawnedProcess.Native.EINTR) {
                        closeFd(fds.take(which));
                    }
                }
            }
        } catch (InterruptedException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("reading the child's output failed", t);
        } finally {
            if (large != null) {
                large.close();
            }
        }
    }

    /** What {@link #collect} read from stdout or stderr so far; null when it was not a pipe. */
    synchronized byte[] collected(int which) {
        if (!piped[which]) {
            return null;
        }
        return got[which] == null ? new byte[0] : got[which].toByteArray();
    }

    /** Closes every descriptor still held here (streams already taken stay with their holders). */
    @Override
    public synchronized void close() {
        cleanable.clean();
    }

    private static void closeFd(int fd) {
        SpawnedProcess.Native.closeQuietly(fd);
    }

    /** The descriptors: the state the cleaner closes, so it must not refer to the {@link ChildPipes}. */
    private static final class Fds implements Runnable {
        private final int[] fd;

        Fds(int[] fd) {
            this.fd = fd;
        }

        synchronized int get(int i) {
            return fd[i];
        }

        synchronized int take(int i) {
            int f = fd[i];
            fd[i] = -1;
            return f;
        }

        @Override
        public synchronized void run() {
            for (int i = 0; i < fd.length; i++) {
                closeFd(take(i));
            }
        }
    }
}
