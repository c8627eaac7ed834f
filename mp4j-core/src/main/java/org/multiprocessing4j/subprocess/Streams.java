package org.multiprocessing4j.subprocess;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that keep a child's pipes moving: one drains each captured output stream, one
 * feeds stdin, all at once, so that a child blocked writing stderr never waits for us to finish
 * writing its stdin or reading its stdout (the classic Java deadlock with {@code ProcessBuilder}).
 * Threads come from one cached pool of daemon threads, so a short run does not pay a thread start.
 */
final class Streams {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "mp4j-subprocess-io-" + COUNT.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private Streams() {}

    /** Reads {@code in} to its end into a buffer; {@link Drain#snapshot()} gives what came so far. */
    static final class Drain {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final Future<?> done;

        Drain(InputStream in) {
            this(in, false);
        }

        /** With {@code here}, reads in the calling thread before returning (no timeout possible then). */
        Drain(InputStream in, boolean here) {
            java.util.concurrent.Callable<Object> copy = () -> {
                byte[] chunk = new byte[4096]; // grows to 64 KiB (a pipe's size) for children that write a lot
                try (in) {
                    int n;
                    while ((n = in.read(chunk)) > 0) {
                        synchronized (buffer) {
                            buffer.write(chunk, 0, n);
                        }
                        if (n == chunk.length && chunk.length < 65536) {
                            chunk = new byte[65536];
                        }
                    }
                } catch (IOException e) {
                    // the pipe was closed under us (close(), or the process was destroyed): keep what came
                }
                return null;
            };
            if (here) {
                java.util.concurrent.FutureTask<Object> task = new java.util.concurrent.FutureTask<>(copy);
                task.run();
                done = task;
            } else {
                done = POOL.submit(copy);
            }
        }

        Future<?> done() {
            return done;
        }

        byte[] snapshot() {
            synchronized (buffer) {
                return buffer.toByteArray();
            }
        }
    }

    /** Runs {@code task} on a pool thread (a child's reaper). */
    static void submit(Runnable task) {
        POOL.execute(task);
    }

    /** Writes {@code bytes} to {@code out} and closes it; a child that stops reading (broken pipe) is not an error. */
    static Future<?> feed(OutputStream out, byte[] bytes) {
        return POOL.submit(() -> {
            try (out) {
                if (bytes != null) {
                    out.write(bytes);
                }
            } catch (IOException e) {
                // broken pipe: the child exited or closed its stdin, as CPython ignores it
            }
            return null;
        });
    }
}
