package org.multiprocessing4j.internal.process;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * The entry point of every child JVM (CPython's {@code spawn_main}).
 *
 * <pre>
 *   ChildMain spawn FIFO ID   read RUN from stdin, run, report EXIT on the FIFO, halt
 *   ChildMain warm  FIFO ID   read PREPARE(s) from stdin: build the codec, warm up, run the
 *                             context's preload (once), rehearse, report READY; then as spawn
 *   ChildMain --train SAMPLE       the AOT training run: the bootstrap path once, offline
 * </pre>
 *
 * <p>From the moment RUN arrives a daemon thread reads stdin; end of stream means the parent is
 * gone (exit, crash or kill -9) and the child halts at once. A warm JVM waiting for RUN halts the
 * same way. See {@link Control} for the protocol.
 *
 * <p>The child ends with {@link Runtime#halt}: as CPython's children end with {@code os._exit},
 * shutdown hooks do not run. Before that it announces its exit code and flushes stdout/stderr.
 */
public final class ChildMain {
    /** Exit status of a child whose parent died: nobody reads it. */
    private static final int PARENT_DIED = 255;
    /** Prints where a child's start-up time goes (system property {@code mp4j.debug.timing=true}). */
    private static final boolean TIMING = Boolean.getBoolean("mp4j.debug.timing");

    private ChildMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--train")) {
            runReceived = true;
            watchParent(System.in);
            train(Path.of(args[1]));
            System.exit(0);
            return;
        }
        if (args.length != 3 || !(args[0].equals("spawn") || args[0].equals("warm"))) {
            System.err.println("ChildMain: this is the entry point of child processes started by multiprocessing4j;"
                    + " it is not meant to be run by hand");
            System.exit(2);
        }
        LineOutput.install();
        ClassLoader loader = ChildMain.class.getClassLoader();
        long id = Long.parseUnsignedLong(args[2], 16);
        // The control channel from the parent is our stdin; user code gets an empty System.in.
        DataInputStream control = new DataInputStream(new BufferedInputStream(new FileInputStream(FileDescriptor.in), 1 << 16));
        System.setIn(new ByteArrayInputStream(new byte[0]));
        // Read-write: opening a FIFO write-only blocks until it has a reader, and after the
        // parent's death it never gets one (seen: a child still booting when its parent was killed
        // hung there). RandomAccessFile, not FileChannel: its write is the plain java.io path on
        // the EXIT report's way. "rw" would create a missing file, hence the check before.
        java.io.File fifo = new java.io.File(args[1]);
        RandomAccessFile reports;
        try {
            if (!fifo.exists()) {
                throw new IOException("no report FIFO " + fifo);
            }
            reports = new RandomAccessFile(fifo, "rw");
        } catch (IOException e) {
            Runtime.getRuntime().halt(PARENT_DIED); // the parent has gone (or closed its context) already
            return;
        }

        watchParent(control);

        Codec codec = null;
        ChildSpec spec = null;
        long runReceivedMicros = 0;
        long tMain = System.nanoTime();
        long tFrame = tMain;
        Thread preparing = null;
        // the process object the last preparation decoded ahead, when it may stand in for a decode of RUN's payload
        java.util.concurrent.atomic.AtomicReference<Rehearsed> rehearsed = new java.util.concurrent.atomic.AtomicReference<>();
        // the context's preload runs once per JVM, at the first PREPARE that carries one
        java.util.concurrent.atomic.AtomicBoolean preloaded = new java.util.concurrent.atomic.AtomicBoolean();
        while (spec == null) {
            Control.Frame f = Control.receive(control);
            if (f == null) {
                haltParentDied();
                return;
            }
            if (f.type() == Control.PREPARE) {
                DataInputStream in = f.bodyStream();
                int generation = in.readInt();
                List<String> names = ChildSpec.readRegistryNames(in);
                codec = Codec.fromRegistry(names, generation, loader);
                byte[] rehearsal = new byte[ChildSpec.checkedLength(in.readInt(), Integer.MAX_VALUE - 8)];
                in.readFully(rehearsal);
                int flags = in.readUnsignedByte();
                byte[] preload = new byte[ChildSpec.checkedLength(in.readInt(), Integer.MAX_VALUE - 8)];
                in.readFully(preload);
                if (preparing != null) {
                    preparing.join();
                }
                rehearsed.set(null);
                // On its own thread, so that this one goes on reading the control channel: a
                // context closed during a long warm-up (the manager part takes about a second)
                // ends this JVM at once, not when the warm-up is over. The parent sends RUN only
                // after READY.
                Codec prepared = codec;
                preparing = Thread.ofPlatform().name("mp4j-warm-prepare").start(() -> {
                    try {
                        warmUp(loader, (flags & 1) != 0, (flags & 2) != 0);
                    } catch (IOException | RuntimeException | Error e) {
                        if (org.multiprocessing4j.internal.shm.Segments.exited()) {
                            return; // the parent has gone: the main thread let go of the segments and halts
                        }
                        System.err.println("mp4j: a pre-started JVM failed to warm up:");
                        e.printStackTrace();
                        Runtime.getRuntime().halt(1);
                    }
                    if (preload.length > 0 && preloaded.compareAndSet(false, true)
                            && !runPreload(prepared, preload, reports, id)) {
                        return; // no READY: the parent closes our stdin, and the main thread halts
                    }
                    if (rehearsal.length > 0) {
                        try {
                            // see WarmReserve: load what the next RUN will need, and keep what it decoded
                            Codec.Rehearsal<Object> r = Codec.rehearse(() -> ProcessAccess.get().decodePayload(prepared, rehearsal));
                            if (r.plain()) {
                                rehearsed.set(new Rehearsed(prepared, rehearsal, r.value()));
                            }
                        } catch (RuntimeException e) {
                            // a rehearsal is an optimisation only
                        }
                    }
                    // last: a JVM handed out while its JIT still works competes with its own run
                    // (the warm-up and the rehearsal above leave C2 compilations queued)
                    Jit.awaitQuiet();
                    report(reports, Control.READY, id, 0);
                });
            } else if (f.type() == Control.RUN) {
                if (preparing != null) {
                    preparing.join();
                }
                runReceivedMicros = TIMING ? epochMicros() : 0;
                tFrame = System.nanoTime();
                spec = ChildSpec.readFrom(f.bodyStream());
            }
        }
        runReceived = true; // the parent watch reads stdin from now on (see watchParent)

        long tRun = System.nanoTime();
        long tDecoded = tRun;
        long tCodec = tRun;
        int exitCode;
        try {
            if (codec == null || codec.generation() != spec.generation()) {
                codec = Codec.fromRegistry(spec.registry(), spec.generation(), loader);
            }
            tCodec = System.nanoTime();
            Rehearsed ahead = rehearsed.get();
            Object process = ahead != null && ahead.matches(codec, spec)
                    ? ahead.process() // decoded from the same bytes by this codec while idle
                    : ProcessAccess.get().decodePayload(codec, spec.payload());
            tDecoded = System.nanoTime();
            exitCode = ProcessAccess.get().runAsChild(process, spec, false);
        } catch (Throwable t) {
            System.err.println("Process " + spec.name() + ": the child could not start its process object:");
            t.printStackTrace();
            exitCode = 1;
        }
        long tRan = System.nanoTime();
        System.out.flush();
        System.err.flush();
        if (org.multiprocessing4j.internal.shm.ShmUse.any()) {
            org.multiprocessing4j.internal.shm.Segments.atExit(); // halt skips shutdown hooks
        }
        report(reports, Control.EXIT, id, exitCode);
        if (TIMING) {
            long tSent = System.nanoTime();
            System.err.printf("[mp4j timing] %s pid %d: RUN received at %d us (epoch), JVM up %d ms then;"
                    + " main to RUN %.2f ms, spec %.2f ms, codec %.2f ms, decode %.2f ms, run %.2f ms, EXIT %.2f ms%n",
                    args[0], ProcessHandle.current().pid(), runReceivedMicros,
                    java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() - (tSent - tFrame) / 1_000_000,
                    (tFrame - tMain) / 1e6, (tRun - tFrame) / 1e6, (tCodec - tRun) / 1e6, (tDecoded - tCodec) / 1e6,
                    (tRan - tDecoded) / 1e6, (tSent - tRan) / 1e6);
        }
        Runtime.getRuntime().halt(exitCode & 0xff);
    }

    /**
     * Halts because the parent is gone or closed its context, first letting go of this process's
     * segments (a warm JVM stopped in the middle of its warm-up holds private ones, which would
     * otherwise wait for the next process's sweep). Halts whatever happens.
     */
    private static void haltParentDied() {
        try {
            if (org.multiprocessing4j.internal.shm.ShmUse.any()) {
                org.multiprocessing4j.internal.shm.Segments.atExit();
            }
        } catch (Throwable t) {
            // halting matters more
        } finally {
            Runtime.getRuntime().halt(PARENT_DIED);
        }
    }

    /**
     * Set by the main thread when RUN has arrived (or at once in a training run): from then on the
     * parent watch reads the control channel, on which nothing more is sent.
     */
    private static volatile boolean runReceived;
    /** How often the parent watch looks at {@link #runReceived} until it is set. */
    private static final long WATCH_POLL_NANOS = 100_000_000L;

    /**
     * Starts the parent watch: once {@link #runReceived} is set, a daemon thread reads {@code in}
     * (the control channel, on which nothing more is sent) until end of stream, which means the
     * parent's end of the pipe was closed by the kernel: the parent is gone. Then it halts.
     * Started early, while the JVM has nothing else to do. Until RUN the main thread reads the
     * channel and sees its end itself.
     *
     * <p>The watch looks at the flag every {@value #WATCH_POLL_NANOS} ns instead of being woken:
     * waking it (a latch) put a wake-up of another thread, 60 us measured on this project's VMs
     * (2026-11-24), on every warm start's way to {@code run()}. A parent that dies in the first
     * 100 ms of a run is seen that much later, well within the second a child has to follow it.
     */
    private static void watchParent(java.io.InputStream in) {
        Thread watch = new Thread(() -> {
            byte[] drain = new byte[256];
            try {
                while (!runReceived) {
                    java.util.concurrent.locks.LockSupport.parkNanos(WATCH_POLL_NANOS);
                }
                while (in.read(drain) >= 0) {
                    // nothing is expected; end of stream is the signal
                }
            } catch (IOException ignored) {
                // a broken pipe: the parent is gone as well
            }
            haltParentDied();
        }, "mp4j-parent-watch");
        watch.setDaemon(true);
        watch.start();
    }

    /**
     * Runs the context's preload (see {@code Context.Builder.preload}); true when it returned.
     * When it throws: prints the stack trace and reports READY with {@link Control#PRELOAD_FAILED}.
     * The parent then stops refilling and closes this JVM's stdin, and the main thread, reading
     * it, halts after letting go of the segments the preload made. (Halting here instead would
     * race the report: the parent may see the exit before it reads the FIFO.)
     */
    private static boolean runPreload(Codec codec, byte[] preload, RandomAccessFile reports, long id) {
        try {
            Calls.invoke(codec.decodeFunction(preload), new Object[0]);
            return true;
        } catch (Throwable t) {
            if (!org.multiprocessing4j.internal.shm.Segments.exited()) { // else the parent has gone, and the main thread halts
                synchronized (System.err) {
                    System.err.println("mp4j: the context's preload failed in pre-started JVM pid "
                            + ProcessHandle.current().pid() + "; its warm starts spawn fresh JVMs from now on:");
                    t.printStackTrace();
                }
                System.err.flush();
                report(reports, Control.READY, id, Control.PRELOAD_FAILED);
            }
            return false;
        }
    }

    private static void report(RandomAccessFile reports, byte type, long id, int value) {
        try {
            reports.write(Control.report(type, id, value)); // one write(2) of 13 bytes: atomic
        } catch (IOException ignored) {
            // the parent is gone; nobody to tell
        }
    }

    /**
     * Loads and links what the first RUN will need, while the JVM is idle in the warm reserve:
     * the lambda machinery (a serializable lambda through a codec), the process classes.
     */
    private static void warmUp(ClassLoader loader, boolean sharedMemory, boolean managers) throws IOException {
        Codec scratch = new Codec(loader);
        scratch.register(ChildMain.class);
        Sample s = () -> 42;
        Object back = scratch.decodeProcess(scratch.encodeProcess(s));
        Codec.Call call = scratch.decodeCall(scratch.encodeCall(s, new Object[] {"warm-up", 1, List.of(2)}), 0);
        if (((Sample) back).value() != 42 || ((Sample) call.target()).value() != 42) {
            throw new IllegalStateException("codec warm-up failed");
        }
        ProcessAccess.get().rehearse(sharedMemory, managers);
        Control.report(Control.EXIT, 0, 0);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ChildSpec sample = new ChildSpec("spawn", "warm-up", new int[] {1}, false, 0, "x", "", "OFF", new byte[0], 0, List.of(), new byte[0]);
        sample.writeTo(new DataOutputStream(buf));
        ChildSpec.readFrom(new DataInputStream(new ByteArrayInputStream(buf.toByteArray())));
    }

    /**
     * The AOT training run: the bootstrap path once, so that its classes go into the cache, and
     * the decoding (not the running) of the sample payload, if the file holds one.
     */
    private static void train(Path sample) throws Exception {
        ClassLoader loader = ChildMain.class.getClassLoader();
        byte[] bytes = Files.readAllBytes(sample);
        if (bytes.length > 0) {
            try {
                ChildSpec spec = ChildSpec.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
                Codec.rehearse(() -> ProcessAccess.get().decodePayload(Codec.fromRegistry(spec.registry(), spec.generation(), loader), spec.payload()));
            } catch (IOException | RuntimeException e) {
                // the sample is an optimisation only
            }
        }
        warmUp(loader, true, true); // the AOT cache then holds the shared-memory and manager paths' classes and profiles
        Control.receive(new DataInputStream(new ByteArrayInputStream(new byte[] {0, 0, 0, 1, Control.RUN})));
        Path scratch = Files.createTempFile("mp4j-train", ".fifo");
        try (RandomAccessFile f = new RandomAccessFile(scratch.toFile(), "rw")) {
            f.write(Control.report(Control.EXIT, 0, 0)); // the report path's classes
        } finally {
            Files.deleteIfExists(scratch);
        }
        Class<?> processClass = Class.forName("org.multiprocessing4j.Process", true, loader);
        Codec codec = new Codec(loader);
        codec.register(processClass, ChildMain.class);
        Object process = processClass.getConstructor(Class.forName("org.multiprocessing4j.Target", true, loader))
                .newInstance((org.multiprocessing4j.Target) () -> { });
        Object copy = ProcessAccess.get().decodePayload(codec, ProcessAccess.get().encodePayload(codec, process));
        ChildSpec spec = new ChildSpec("spawn", "Process-1", new int[] {1}, false, 0, "MainProcess", "", "OFF", new byte[0],
                codec.generation(), codec.registeredNames(), new byte[0]);
        ProcessAccess.get().runAsChild(copy, spec, true);
    }

    private static long epochMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    /**
     * A process object a preparation decoded ahead ({@link Codec#rehearse}) from {@code payload}
     * with {@code codec}, holding no handle: a decode of the same bytes with the same codec would
     * give an equal, equally fresh object, so a RUN that carries them takes this one instead (the
     * decode of a lambda target cost a warm start about 90 us, measured 2026-11-24).
     */
    private record Rehearsed(Codec codec, byte[] payload, Object process) {
        boolean matches(Codec runCodec, ChildSpec spec) {
            // the same codec object: RUN's generation is the one it was built for (else main builds another)
            return runCodec == codec && java.util.Arrays.equals(payload, spec.payload());
        }
    }

    /** A serializable function for the warm-up. */
    @FunctionalInterface
    interface Sample extends java.io.Serializable {
        int value();
    }
}
