package org.multiprocessing4j.internal.process;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.multiprocessing4j.internal.log.Log;

/**
 * The pre-started JVMs of the warm start method: CPython's forkserver idea for the JVM. Each
 * reserve JVM has booted, connected, and built its codec from the allow-list it was PREPAREd with;
 * it waits for one RUN frame and then is an ordinary child. A JVM is used for one process only,
 * so processes stay isolated; the reserve refills in the background.
 *
 * <h2>Rehearsal</h2>
 * The PREPARE frame also carries the payload of the last process this launcher started, and the
 * reserve JVM decodes it (without running it): the classes of that target, and the lambda it
 * holds, are loaded, linked and initialised before the next process of the same kind needs them.
 * Measured on this project's machines, decoding a lambda the JVM has not seen costs 5-10 ms; a
 * rehearsed one well under 1 ms. A consequence to know: static initialisers of those classes may
 * run in a reserve JVM that is later discarded.
 *
 * <p>A reserve JVM counts as idle only once it has reported READY after its PREPARE, so a RUN never
 * queues behind the JVM's own preparation.
 *
 * <p>A reserve JVM that was prepared with an older allow-list still works (the RUN frame carries
 * the current one and the child rebuilds its codec) but loses its head start, so
 * {@link #retireStale()} replaces such JVMs when the context prepares or the reserve refills; so it
 * does JVMs prepared before this process first used shared memory, which skipped the
 * shared-memory warm-up (see {@code SharedWarmup}).
 *
 * <h2>Preload</h2>
 * The PREPARE frame also carries the context's preload, if it has one (CPython's
 * {@code set_forkserver_preload}, see {@code Context.Builder.preload}): the reserve JVM runs it
 * once, after the library's warm-up and before READY, so that the user's own hot code is compiled
 * before a process starts in that JVM. A JVM whose preload threw says so in its READY report and
 * is closed; refilling then stops for good, as the next one would throw too.
 *
 * <p>If reserve JVMs keep dying before they connect (bad JVM options, no memory), refilling stops
 * after {@value #MAX_FAILURES} failures in a row and starts fall back to the spawn path.
 *
 * <p>Thread-safety: all state is guarded by {@code this}.
 */
final class WarmReserve {
    private static final Log LOG = Log.of(WarmReserve.class);
    static final int MAX_FAILURES = 5;
    /**
     * How long a refill waits after a JVM was taken. Booting a JVM takes several hundred ms of CPU
     * on several threads; started at once, it would compete with the process that was just
     * started, which on a 2-core machine doubles that process's start-up. A burst of starts
     * within the delay is served by the rest of the reserve, then by spawning.
     *
     * <p>Refilling starts one JVM at a time (the next after the previous said READY): measured,
     * two processes just taken from the reserve and contending for a lock took 180-220 ms for
     * 1M operations while two refill JVMs booted and warmed up beside them, 110-120 ms when
     * refilling waited (the refill competes for the 2 cores).
     */
    static final long REFILL_DELAY_MILLIS = Long.getLong("mp4j.refillDelayMillis", 50);

    private final JvmLauncher launcher;
    private final int size;
    /** Idle JVMs that said READY, with the codec generation they were prepared with. */
    private final Deque<Idle> idle = new ArrayDeque<>();
    /** JVMs launched and sent PREPARE, not READY yet. Guarded by this. */
    private final java.util.Set<JvmPopen> booting = new java.util.HashSet<>();
    private int starting;
    private int failuresInARow;
    private boolean closed;
    private boolean refillWanted;
    private Thread refiller;

    /** An idle JVM: the codec generation it was prepared with, and whether it warmed up shared memory. */
    private record Idle(JvmPopen popen, int generation, boolean sharedMemory, boolean managers) {}

    WarmReserve(JvmLauncher launcher, int size) {
        this.launcher = launcher;
        this.size = size;
    }

    /** An idle JVM, or null when none is ready. */
    synchronized JvmPopen take() {
        while (!idle.isEmpty()) {
            Idle c = idle.pollFirst();
            if (c.popen().os().isAlive()) {
                return c.popen();
            }
        }
        return null;
    }

    /**
     * Asks the refill thread to top the reserve up (after {@link #REFILL_DELAY_MILLIS}). Cheap:
     * the caller is on the start() path.
     */
    void refill() {
        synchronized (this) {
            if (closed || failuresInARow >= MAX_FAILURES || idle.size() + starting >= size) {
                return;
            }
            refillWanted = true;
            if (refiller == null) {
                refiller = Thread.ofPlatform().daemon().name("mp4j-warm-refill").start(this::refillLoop);
            } else {
                notifyAll();
            }
        }
    }

    private void refillLoop() {
        try {
            while (true) {
                synchronized (this) {
                    while (!refillWanted && !closed) {
                        wait();
                    }
                    if (closed) {
                        return;
                    }
                    refillWanted = false;
                }
                Thread.sleep(REFILL_DELAY_MILLIS);
                refillNow();
            }
        } catch (InterruptedException e) {
            // closing
        }
    }

    private void refillNow() {
        retireStale(); // off the start path: the refill thread runs after the delay
        int toStart;
        synchronized (this) {
            if (closed || failuresInARow >= MAX_FAILURES) {
                return;
            }
            // one JVM at a time: the next starts when this one is READY (see REFILL_DELAY_MILLIS)
            toStart = starting == 0 && idle.size() < size ? 1 : 0;
            if (toStart == 0) {
                return;
            }
            starting += toStart;
        }
        startOne();
    }

    private void startOne() {
        JvmPopen popen;
        try {
            popen = launcher.start("warm");
        } catch (RuntimeException e) {
            failed(e.toString());
            return;
        }
        synchronized (this) {
            if (closed) {
                starting--;
                popen.close(); // closed while it was being launched: end of stdin, the child halts
                return;
            }
            booting.add(popen);
        }
        int generation = launcher.codec().generation();
        List<String> names = launcher.codec().registeredNames();
        byte[] rehearsal = launcher.lastPayload(generation);
        byte[] preload = launcher.preload();
        boolean sharedMemory = org.multiprocessing4j.internal.shm.ShmUse.any();
        boolean managers = org.multiprocessing4j.internal.shm.ShmUse.anyManager();
        try {
            Control.send(popen.control(), Control.PREPARE, out -> {
                ChildSpec.writeRegistry(out, generation, names);
                out.writeInt(rehearsal.length);
                out.write(rehearsal);
                out.writeByte((sharedMemory ? 1 : 0) | (managers ? 2 : 0)); // warm up shared memory, managers too
                out.writeInt(preload.length);
                out.write(preload);
            });
        } catch (IOException e) {
            popen.kill();
            failed(e.toString());
            return;
        }
        popen.whenReady().whenComplete((ok, err) -> {
            if (err != null) {
                synchronized (this) {
                    booting.remove(popen);
                }
                if (err instanceof JvmPopen.PreloadFailedException) { // whenReady's own exception, not wrapped
                    popen.close(); // end of stdin: the child halts
                    preloadFailed(err.getMessage());
                } else {
                    failed(err.getMessage());
                }
                return;
            }
            boolean keep;
            synchronized (this) {
                booting.remove(popen);
                starting--;
                failuresInARow = 0;
                keep = !closed;
                if (keep) {
                    idle.addLast(new Idle(popen, generation, sharedMemory, managers));
                    notifyAll();
                }
            }
            if (!keep) {
                popen.close(); // end of stdin: the child halts
            } else {
                refill(); // the next one, if the reserve is still short
            }
        });
    }

    /** A preload that threw will throw again: refilling stops at once (starts spawn). */
    private void preloadFailed(String why) {
        synchronized (this) {
            starting--;
            failuresInARow = MAX_FAILURES;
            notifyAll();
        }
        LOG.warning("warm reserve: %s; warm starts of this context spawn fresh JVMs from now on", why);
    }

    private void failed(String why) {
        synchronized (this) {
            starting--;
            failuresInARow++;
            notifyAll();
            if (failuresInARow == MAX_FAILURES) {
                LOG.warning("warm reserve: %d JVMs in a row died before connecting (last: %s); "
                        + "warm starts fall back to spawning", MAX_FAILURES, why);
            }
        }
    }

    /**
     * Replaces idle JVMs prepared with an older allow-list, or without the shared-memory or
     * manager warm-up this process now wants.
     */
    void retireStale() {
        int generation = launcher.codec().generation();
        boolean sharedMemory = org.multiprocessing4j.internal.shm.ShmUse.any();
        boolean managers = org.multiprocessing4j.internal.shm.ShmUse.anyManager();
        synchronized (this) {
            idle.removeIf(c -> {
                if (c.generation() != generation || (sharedMemory && !c.sharedMemory())
                        || (managers && !c.managers()) || !c.popen().os().isAlive()) {
                    c.popen().close(); // the child sees end of stdin and halts
                    return true;
                }
                return false;
            });
        }
    }

    /** Waits until the reserve is full (or cannot fill). */
    synchronized boolean awaitFull(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (idle.size() < size && !closed && failuresInARow < MAX_FAILURES) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return idle.size() >= size;
    }

    /** Stops idle JVMs (they halt on end of stream) and refilling. */
    void close() {
        synchronized (this) {
            closed = true;
            for (Idle c : idle) {
                c.popen().close();
            }
            idle.clear();
            // JVMs still preparing: their READY may never be read once the launcher closes its
            // report FIFO, so they are told to go now (they halt at their next read of stdin)
            for (JvmPopen p : booting) {
                p.close();
            }
            booting.clear();
            notifyAll();
        }
    }
}
