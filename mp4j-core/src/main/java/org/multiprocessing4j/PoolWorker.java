package org.multiprocessing4j;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.log.Log;

/**
 * The loop a {@link Pool} worker process runs: read a message from the task pipe, run it, answer
 * (formats in {@link PoolWire}). One thread runs tasks, in the order they arrive; a second thread
 * reads the control pipe (cancellations) so that a running task can be interrupted.
 *
 * <h2>Status slot</h2>
 * A two-long shared array the pool reads to know what runs now: {@code [0]} the id of the running
 * task (0: none), {@code [1]} the {@link System#nanoTime()} it started at (the clock is the
 * machine's monotonic clock, the same in every process). Both are written by this worker's task
 * thread only, with atomic read-modify-writes (full fences): {@code [1]} before {@code [0]} when a
 * task starts, {@code [0]} back to 0 after its answer was sent. The pool reads them with atomic
 * reads; for a hard time limit it reads {@code [0]} then {@code [1]}. A task whose id is in
 * {@code [0]} when the worker dies may have run; the tasks sent after it have not.
 */
final class PoolWorker {
    private static final Log LOG = Log.of(PoolWorker.class);
    static final int RUNNING = 0;
    static final int STARTED_AT = 1;
    /** How often the resident set size is read at most, when a memory limit is set. */
    private static final long MEMORY_CHECK_NANOS = 10_000_000L;

    private final Connection tasks;
    private final SharedLongArray status;
    private Codec codec;
    private final int maxTasks;
    private final long softLimitNanos;
    private final long memoryLimit;
    private final Map<Long, Object> functions = new HashMap<>();
    private final Set<Long> cancelled = ConcurrentHashMap.newKeySet();
    private final Object runLock = new Object();
    private final Thread runner = Thread.currentThread();
    /** The task running now (0: none); guarded by {@link #runLock} for writes. */
    private volatile long running;
    private volatile boolean softLimitHit;
    private final PoolWire.Out out = new PoolWire.Out(256);
    private ScheduledExecutorService softTimer;
    private long lastMemoryCheck;
    /** What this thread last wrote to the status slot's start time (it is the only writer). */
    private long lastStart;

    private PoolWorker(Connection tasks, SharedLongArray status, Codec codec, int maxTasks, long softLimitNanos, long memoryLimit) {
        this.tasks = tasks;
        this.status = status;
        this.codec = codec;
        this.maxTasks = maxTasks;
        this.softLimitNanos = softLimitNanos;
        this.memoryLimit = memoryLimit;
    }

    /** The worker process's target: configure, run the initializer, serve tasks until the pool closes the pipe. */
    static void run(Connection tasks, Connection control, SharedLongArray status) throws Exception {
        try {
            configureAndServe(tasks, control, status);
        } finally {
            tasks.close(); // the pool's reader sees the end of stream now, also when this "process" is a thread
            control.close();
        }
    }

    private static void configureAndServe(Connection tasks, Connection control, SharedLongArray status) throws Exception {
        byte[] config;
        try {
            config = control.recvBytes();
        } catch (EOFException e) {
            return; // the pool went away before configuring this worker
        }
        DataInputStream in = PoolWire.in(config);
        if (in.readByte() != PoolWire.CONFIG) {
            throw new IOException("pool worker: the first control message is not a configuration");
        }
        int generation = in.readInt();
        Codec codec = Codec.fromRegistry(PoolWire.readNames(in), generation, PoolWorker.class.getClassLoader());
        int maxTasks = in.readInt();
        long softLimitNanos = in.readLong();
        long memoryLimit = in.readLong();
        PoolWorker worker = new PoolWorker(tasks, status, codec, maxTasks, softLimitNanos, memoryLimit);
        if (in.readByte() != 0) {
            worker.initialize(in);
        }
        Thread controlThread = Thread.ofPlatform().daemon().name("mp4j-pool-control").start(() -> worker.serveControl(control));
        try {
            worker.serve();
        } finally {
            control.close(); // ends the control thread's read
            if (worker.softTimer != null) {
                worker.softTimer.shutdownNow();
            }
            controlThread.interrupt();
        }
    }

    /** Runs the pool's initializer; when it throws, tells the pool and ends this worker with the exception. */
    private void initialize(DataInputStream in) throws Exception {
        try {
            byte[] fn = new byte[in.readInt()];
            in.readFully(fn);
            Serializable f = codec.decodeFunction(fn);
            Object[] args = readArgs(in);
            invoke(f, args);
        } catch (Throwable t) {
            out.reset();
            out.data.writeByte(PoolWire.INIT_FAILED);
            PoolWire.writeError(out.data, t, codec);
            try {
                tasks.sendBytes(out.toByteArray());
            } catch (IOException e) {
                t.addSuppressed(e);
            }
            throw t instanceof Exception e ? e : new RuntimeException("pool initializer failed", t);
        }
    }

    private void serveControl(Connection control) {
        try {
            while (true) {
                DataInputStream in = PoolWire.in(control.recvBytes());
                if (in.readByte() == PoolWire.CANCEL) {
                    long id = in.readLong();
                    boolean interrupt = in.readByte() != 0;
                    cancelled.add(id);
                    if (interrupt) {
                        synchronized (runLock) {
                            if (running == id) {
                                runner.interrupt();
                            }
                        }
                    }
                }
            }
        } catch (IOException | InterruptedException | IllegalStateException e) {
            // EOF (the pool closed the pipe or died) or this worker closed the end: nothing more to read
        }
    }

    private void serve() throws Exception {
        int done = 0;
        while (maxTasks == 0 || done < maxTasks) {
            byte[] message;
            try {
                message = tasks.recvBytes();
            } catch (EOFException e) {
                return; // the pool closed: a normal end
            } catch (InterruptedException e) {
                return; // a thread worker's kill (terminate): an end, not an error
            }
            DataInputStream in = PoolWire.in(message);
            switch (in.readByte()) {
                case PoolWire.DEFINE -> {
                    long fnId = in.readLong();
                    byte[] fn = new byte[in.readInt()];
                    in.readFully(fn);
                    functions.put(fnId, new Pending(fn));
                }
                case PoolWire.FORGET -> functions.remove(in.readLong());
                case PoolWire.REGISTRY -> {
                    int generation = in.readInt();
                    codec = Codec.fromRegistry(PoolWire.readNames(in), generation, PoolWorker.class.getClassLoader());
                    // functions decoded under the old list stay valid; the undecoded ones decode with the new one
                }
                case PoolWire.TASK -> {
                    runTask(in);
                    done++;
                    if (overMemoryLimit()) {
                        retire("resident memory above the pool's limit of " + memoryLimit + " bytes");
                        return;
                    }
                }
                default -> throw new IOException("pool worker: unknown message type " + message[0]);
            }
        }
    }

    /** A function as received, decoded at its first use (so that a registry sent after it applies). */
    private record Pending(byte[] bytes) {}

    private void runTask(DataInputStream in) throws IOException, InterruptedException {
        long id = in.readLong();
        long fnId = in.readLong();
        int calls = in.readInt();
        long start = System.nanoTime();
        synchronized (runLock) {
            running = id;
            softLimitHit = false;
            status.getAndAdd(STARTED_AT, start - lastStart);
            lastStart = start;
            status.getAndAdd(RUNNING, id);
        }
        try {
            if (cancelled.remove(id)) {
                out.reset();
                out.data.writeByte(PoolWire.CANCELLED);
                out.data.writeLong(id);
                tasks.sendBytes(out.buffer(), 0, out.size());
                return;
            }
            ScheduledFuture<?> soft = softLimitNanos > 0 ? scheduleSoftLimit(id) : null;
            Object[] results = new Object[calls];
            int failedAt = -1;
            Throwable failure = null;
            try {
                Serializable fn = function(fnId);
                for (int i = 0; i < calls; i++) {
                    failedAt = i;
                    results[i] = invoke(fn, readArgs(in));
                }
                failedAt = -1;
            } catch (Throwable t) {
                failure = t;
            } finally {
                if (soft != null) {
                    soft.cancel(false);
                }
            }
            long runNanos = System.nanoTime() - start;
            if (failure == null) {
                failedAt = encodeResults(id, runNanos, results);
                if (failedAt >= 0) {
                    failure = new SerializationException("the task's result of class " + results[failedAt].getClass().getName()
                            + " cannot be sent back: register it (Context.register) or return a JDK type", results[failedAt].getClass().getName(), null);
                }
            }
            if (failure != null) {
                out.reset();
                out.data.writeByte(PoolWire.RESULT);
                out.data.writeLong(id);
                out.data.writeLong(runNanos);
                out.data.writeByte(1);
                out.data.writeInt(failedAt);
                out.data.writeByte(softLimitHit ? 1 : 0);
                PoolWire.writeError(out.data, failure, codec);
            }
            Thread.interrupted(); // a soft limit or a cancellation may have interrupted the task; the send must not see it
            tasks.sendBytes(out.buffer(), 0, out.size());
        } finally {
            synchronized (runLock) {
                status.getAndAdd(RUNNING, -id);
                running = 0;
                Thread.interrupted();
            }
        }
    }

    /** Writes a success RESULT into {@link #out}; returns -1, or the index of a result that cannot be written. */
    private int encodeResults(long id, long runNanos, Object[] results) throws IOException {
        out.reset();
        out.data.writeByte(PoolWire.RESULT);
        out.data.writeLong(id);
        out.data.writeLong(runNanos);
        out.data.writeByte(0);
        out.data.writeInt(results.length);
        for (int i = 0; i < results.length; i++) {
            try {
                codec.writeValue(out.data, results[i]);
            } catch (SerializationException e) {
                return i;
            }
        }
        return -1;
    }

    private ScheduledFuture<?> scheduleSoftLimit(long id) {
        if (softTimer == null) {
            softTimer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("mp4j-pool-soft-limit").unstarted(r));
        }
        return softTimer.schedule(() -> {
            synchronized (runLock) {
                if (running == id) {
                    softLimitHit = true;
                    runner.interrupt();
                }
            }
        }, softLimitNanos, TimeUnit.NANOSECONDS);
    }

    private Serializable function(long fnId) {
        Object f = functions.get(fnId);
        if (f instanceof Pending p) {
            Serializable decoded = codec.decodeFunction(p.bytes());
            functions.put(fnId, decoded);
            return decoded;
        } else if (f == null) {
            throw new IllegalStateException("pool worker: task refers to unknown function " + fnId);
        }
        return (Serializable) f;
    }

    private Object[] readArgs(DataInputStream in) throws IOException {
        int argc = in.readByte();
        Object[] args = new Object[argc];
        for (int i = 0; i < argc; i++) {
            args[i] = codec.readValue(in);
        }
        return args;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Object invoke(Object fn, Object[] a) throws Exception {
        if (fn instanceof Task t && a.length == 0) {
            return t.call();
        } else if (fn instanceof Task1 t && a.length == 1) {
            return t.apply(a[0]);
        } else if (fn instanceof Task2 t && a.length == 2) {
            return t.apply(a[0], a[1]);
        } else if (fn instanceof Task3 t && a.length == 3) {
            return t.apply(a[0], a[1], a[2]);
        } else if (fn instanceof Target t && a.length == 0) {
            t.run();
            return null;
        } else if (fn instanceof Target1 t && a.length == 1) {
            t.run(a[0]);
            return null;
        } else if (fn instanceof Target2 t && a.length == 2) {
            t.run(a[0], a[1]);
            return null;
        } else if (fn instanceof Target3 t && a.length == 3) {
            t.run(a[0], a[1], a[2]);
            return null;
        } else if (fn instanceof Runnable r && a.length == 0) {
            r.run();
            return null;
        } else if (fn instanceof java.util.concurrent.Callable c && a.length == 0) {
            return c.call();
        }
        throw new IllegalArgumentException("cannot call a " + fn.getClass().getName() + " with " + a.length + " argument(s)");
    }

    private boolean overMemoryLimit() {
        if (memoryLimit <= 0) {
            return false;
        }
        long now = System.nanoTime();
        if (now - lastMemoryCheck < MEMORY_CHECK_NANOS && lastMemoryCheck != 0) {
            return false;
        }
        lastMemoryCheck = now;
        return residentBytes() > memoryLimit;
    }

    /** This process's resident set size from /proc/self/statm, or 0 where it cannot be read. */
    static long residentBytes() {
        try {
            String[] fields = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(fields[1]) * 4096L;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private void retire(String reason) throws InterruptedException {
        LOG.debug("pool worker retires: %s", reason);
        try {
            out.reset();
            out.data.writeByte(PoolWire.RETIRING);
            out.data.writeUTF(reason);
            tasks.sendBytes(out.buffer(), 0, out.size());
        } catch (IOException e) {
            // the pool closed its end already: there is nobody to tell
        }
    }
}
