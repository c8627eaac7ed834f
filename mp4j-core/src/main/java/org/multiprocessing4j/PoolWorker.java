package org.multiprocessing4j;

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
import org.multiprocessing4j.internal.process.Calls;

/**
 * The loop a {@link Pool} worker process runs: read a message from the task pipe, run it, answer
 * (formats in {@link PoolWire}). One thread runs tasks, in the order they arrive; a second thread
 * reads the control pipe (cancellations) so that a running task can be interrupted.
 *
 * <h2>Status slot</h2>
 * A two-long shared array the pool reads to know what may have run: {@code [0]} the id of the
 * last task started whose answer has not been sent yet (0: every answer is sent), {@code [1]} the
 * {@link System#nanoTime()} that task started at (the machine's monotonic clock, the same in every
 * process). Both are written by this worker's task thread only, with atomic read-modify-writes
 * (full fences): {@code [1]} before {@code [0]} when a task starts, {@code [0]} back to 0 after
 * the answers were sent. When the worker dies, the tasks the pool holds up to and including
 * {@code [0]} may have run; the ones after it have not. The pool reads {@code [0]} then
 * {@code [1]} for a hard time limit.
 *
 * <h2>Batches</h2>
 * Tasks arrive in batches and are answered in order. Answers of short tasks of one function are
 * sent together (at the end of the batch, or once the oldest has waited 50 us); before a task of
 * another function, or after a task that took 50 us or more, the answers so far are sent first,
 * so a slow task never holds back the answers of the tasks before it.
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
    /** The task pipe's messages are received into this buffer (see {@link PoolWire.Inbox}). */
    private final PoolWire.Inbox inbox = new PoolWire.Inbox();
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
        PoolWire.In in = new PoolWire.In(config);
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
    private void initialize(PoolWire.In in) throws Exception {
        try {
            byte[] fn = in.readBytes();
            Serializable f = codec.decodeFunction(fn);
            Object[] args = readArgs(in);
            Calls.invoke(f, args);
        } catch (Throwable t) {
            out.reset();
            out.writeByte(PoolWire.INIT_FAILED);
            PoolWire.writeError(out, t, codec);
            try {
                tasks.sendBytes(out.buffer(), 0, out.size());
            } catch (IOException e) {
                t.addSuppressed(e);
            }
            throw t instanceof Exception e ? e : new RuntimeException("pool initializer failed", t);
        }
    }

    private void serveControl(Connection control) {
        try {
            while (true) {
                PoolWire.In in = new PoolWire.In(control.recvBytes());
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
        while (maxTasks == 0 || done < maxTasks) {
            PoolWire.In in;
            try {
                in = inbox.receive(tasks);
            } catch (EOFException e) {
                return; // the pool closed: a normal end
            } catch (InterruptedException e) {
                return; // a thread worker's kill (terminate): an end, not an error
            }
            switch (in.readByte()) {
                case PoolWire.DEFINE -> {
                    long fnId = in.readLong();
                    functions.put(fnId, new Pending(in.readBytes()));
                }
                case PoolWire.FORGET -> functions.remove(in.readLong());
                case PoolWire.REGISTRY -> {
                    int generation = in.readInt();
                    codec = Codec.fromRegistry(PoolWire.readNames(in), generation, PoolWorker.class.getClassLoader());
                    // functions decoded under the old list stay valid; the undecoded ones decode with the new one
                }
                case PoolWire.BATCH -> {
                    if (!runBatch(in)) {
                        return;
                    }
                }
                default -> throw new IOException("pool worker: unknown message type " + in.buf[0]);
            }
        }
    }

    /** Tasks done so far (for maxTasks). */
    private int done;
    /** Answers in {@link #out} not yet sent, and when the first of them was written. */
    private int unsent;
    private int unsentCountAt;
    private long firstUnsentAt;

    /**
     * Runs the tasks of a batch in order. Answers are sent together at the end of the batch, or
     * earlier once the oldest unsent one has waited {@link #FLUSH_NANOS}, so that a batch of slow
     * tasks does not hold back the results of the first ones. Returns false when this worker
     * stops (maxTasks reached, or over its memory limit: the rest of the batch is not run and the
     * pool hands it on).
     */
    private boolean runBatch(PoolWire.In in) throws IOException, InterruptedException {
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            int length = in.readInt();
            if (length < 20 || length > in.limit - in.pos) {
                throw new IOException("malformed pool batch: task of " + length + " bytes");
            }
            int end = in.pos + length;
            runTask(new PoolWire.In(in.buf, in.pos, end));
            in.pos = end;
            done++;
            boolean last = i == count - 1;
            boolean stop = maxTasks > 0 && done >= maxTasks || overMemoryLimit();
            if (last || stop || System.nanoTime() - firstUnsentAt >= FLUSH_NANOS) {
                flush();
            }
            if (stop) {
                if (maxTasks == 0 || done < maxTasks) {
                    retire("resident memory above the pool's limit of " + memoryLimit + " bytes");
                }
                return false;
            }
        }
        return true;
    }

    /** How long an answer may wait for the rest of its batch. */
    private static final long FLUSH_NANOS = 50_000L;

    private void beginAnswer() {
        if (unsent == 0) {
            out.reset();
            out.writeByte(PoolWire.RESULTS);
            unsentCountAt = out.size();
            out.writeInt(0);
            firstUnsentAt = System.nanoTime();
        }
        unsent++;
    }

    private void flush() throws IOException, InterruptedException {
        if (unsent == 0) {
            return;
        }
        out.putInt(unsentCountAt, unsent);
        Thread.interrupted(); // a soft limit or a cancellation may have interrupted the last task; the send must not see it
        tasks.sendBytes(out.buffer(), 0, out.size());
        unsent = 0;
        synchronized (runLock) {
            // the answers are on their way: the last task no longer counts as running
            status.getAndAdd(RUNNING, -lastRunning);
            lastRunning = 0;
            Thread.interrupted();
        }
    }

    /** A function as received, decoded at its first use (so that a registry sent after it applies). */
    private record Pending(byte[] bytes) {}

    /** The id this thread last wrote to the status slot's running field (it is the only writer). */
    private long lastRunning;
    /** The function and run time of the last task: a batch's answers wait for the next task only when it is alike and short. */
    private long lastFnId;
    private long lastRunNanos;

    private void runTask(PoolWire.In in) throws IOException, InterruptedException {
        long id = in.readLong();
        long fnId = in.readLong();
        int calls = in.readInt();
        if (unsent > 0 && (fnId != lastFnId || lastRunNanos >= FLUSH_NANOS)) {
            flush(); // this task may take long: the answers before it go now
        }
        lastFnId = fnId;
        long start = System.nanoTime();
        synchronized (runLock) {
            running = id;
            softLimitHit = false;
            status.getAndAdd(STARTED_AT, start - lastStart);
            lastStart = start;
            status.getAndAdd(RUNNING, id - lastRunning);
            lastRunning = id;
        }
        beginAnswer();
        if (cancelled.remove(id)) {
            out.writeLong(id).writeLong(0).writeByte(PoolWire.SKIPPED);
            endTask();
            return;
        }
        ScheduledFuture<?> soft = softLimitNanos > 0 ? scheduleSoftLimit(id) : null;
        Object[] results = new Object[calls];
        int failedAt = -1;
        Throwable failure = null;
        int call = 0;
        try {
            Serializable fn = function(fnId);
            @SuppressWarnings("unchecked")
            Task1<Object, Object> one = fn instanceof Task1<?, ?> t ? (Task1<Object, Object>) t : null;
            for (; call < calls; call++) {
                int argc = in.readByte();
                if (argc == 1 && one != null) { // a map's call: no argument array
                    results[call] = one.apply(PoolWire.readValue(in, codec));
                } else {
                    results[call] = Calls.invoke(fn, readArgs(in, argc));
                }
            }
        } catch (Throwable t) {
            failure = t;
            failedAt = call;
        } finally {
            if (soft != null) {
                soft.cancel(false);
            }
        }
        long runNanos = System.nanoTime() - start;
        lastRunNanos = runNanos;
        int mark = out.size();
        if (failure == null) {
            out.writeLong(id).writeLong(runNanos).writeByte(PoolWire.OK).writeInt(calls);
            for (int i = 0; i < calls; i++) {
                try {
                    PoolWire.writeValue(out, results[i], codec);
                } catch (SerializationException e) {
                    out.size = mark;
                    failedAt = i;
                    failure = new SerializationException("the task's result of class " + results[i].getClass().getName()
                            + " cannot be sent back: register it (Context.register) or return a JDK type", results[i].getClass().getName(), e);
                    break;
                }
            }
        }
        if (failure != null) {
            out.writeLong(id).writeLong(runNanos).writeByte(PoolWire.FAILED).writeInt(failedAt).writeByte(softLimitHit ? 1 : 0);
            PoolWire.writeError(out, failure, codec);
        }
        endTask();
    }

    private void endTask() {
        synchronized (runLock) {
            running = 0; // the status slot keeps the id until the answer is sent (see flush)
            Thread.interrupted();
        }
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

    private Object[] readArgs(PoolWire.In in) throws IOException {
        return readArgs(in, in.readByte());
    }

    private Object[] readArgs(PoolWire.In in, int argc) throws IOException {
        Object[] args = new Object[argc];
        for (int i = 0; i < argc; i++) {
            args[i] = PoolWire.readValue(in, codec);
        }
        return args;
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
            out.writeByte(PoolWire.RETIRING).writeText(reason);
            tasks.sendBytes(out.buffer(), 0, out.size());
        } catch (IOException e) {
            // the pool closed its end already: there is nobody to tell
        }
    }
}
