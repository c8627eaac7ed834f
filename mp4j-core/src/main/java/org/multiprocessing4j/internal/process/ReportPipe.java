package org.multiprocessing4j.internal.process;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.multiprocessing4j.internal.log.Log;

/**
 * The FIFO through which the child JVMs of one context report to it (see {@link Control}): READY
 * after a warm child's PREPARE, EXIT with the exit code.
 *
 * <h2>Security</h2>
 * The FIFO is created with mode {@code 0600} in a directory readable by its owner only
 * ({@code 0700}) under the temporary directory; only the owner's processes can write to it. A
 * report names its child by a random 64-bit id given on the child's command line; a report with
 * an unknown id is dropped.
 *
 * <h2>Clean-up</h2>
 * The FIFO is removed when the context closes and when the JVM exits normally. Its name carries
 * the owner's pid, so a FIFO left behind by a JVM killed with SIGKILL is removed by the next
 * context created on the machine ({@link PrivateDir#fileFor}).
 *
 * <p>The parent opens the FIFO read-write, so that it never sees end-of-stream when no child has
 * it open, and one daemon thread reads and dispatches reports.
 */
public final class ReportPipe implements AutoCloseable {
    private static final Log LOG = Log.of(ReportPipe.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "reports-";

    private final Path path;
    private final RandomAccessFile fifo;
    private final Map<Long, Listener> listeners = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Receives the reports of one child. */
    public interface Listener {
        /** A READY report: {@code value} 0, or {@link Control#PRELOAD_FAILED}. */
        void ready(int value);

        void exit(int code);
    }

    private ReportPipe(Path path, RandomAccessFile fifo) {
        this.path = path;
        this.fifo = fifo;
        Thread.ofPlatform().daemon().name("mp4j-reports").start(this::readLoop);
    }

    /** Creates the FIFO for a context and starts reading it. */
    public static ReportPipe open() {
        try {
            Path path = PrivateDir.fileFor(PREFIX, ".fifo");
            java.lang.Process mk = new ProcessBuilder("mkfifo", "-m", "600", path.toString())
                    .redirectErrorStream(true).start();
            String output = new String(mk.getInputStream().readAllBytes()).strip();
            if (!mk.waitFor(10, TimeUnit.SECONDS) || mk.exitValue() != 0) {
                throw new IOException("mkfifo " + path + " failed: " + output);
            }
            path.toFile().deleteOnExit();
            return new ReportPipe(path, new RandomAccessFile(path.toFile(), "rw"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the report FIFO for child processes", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the report FIFO", e);
        }
    }

    /** The FIFO's path, given to children. */
    public Path path() {
        return path;
    }

    /** Stands for a child whose handle does not exist yet: its reports (there can be none) are dropped. */
    private static final Listener NOBODY = new Listener() {
        @Override
        public void ready(int value) {}

        @Override
        public void exit(int code) {}
    };

    /**
     * A fresh random child id, reserved. The id goes on the child's command line, so it exists
     * before the child's handle; {@link #listen} names the handle. A child reports only in answer
     * to a frame, sent after that.
     */
    public long reserve() {
        long id;
        do {
            id = RANDOM.nextLong();
        } while (id == 0 || listeners.putIfAbsent(id, NOBODY) != null);
        return id;
    }

    /** Sends the reports of child {@code id} to {@code listener}. */
    public void listen(long id, Listener listener) {
        listeners.replace(id, listener);
    }

    /** Stops dispatching reports of a child (it has ended). */
    public void forget(long id) {
        listeners.remove(id);
    }

    private void readLoop() {
        try (FileInputStream in = new FileInputStream(fifo.getFD())) {
            for (byte[] r; (r = Control.readReport(in)) != null && !closed; ) {
                Listener l = listeners.get(Control.reportId(r));
                if (l == null) {
                    continue;
                }
                if (r[0] == Control.EXIT) {
                    l.exit(Control.reportValue(r));
                } else if (r[0] == Control.READY) {
                    l.ready(Control.reportValue(r));
                }
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.warning("report FIFO %s: read failed: %s", path, e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the next sweep removes it
        }
        // Wake the reader with a report for no one; it sees `closed` and closes the FIFO. Children
        // still running keep their own handle on it; their OS exit tells their parent the code.
        try {
            fifo.write(Control.report((byte) 0, 0, 0));
        } catch (IOException ignored) {
            // already closed
        }
    }
}
