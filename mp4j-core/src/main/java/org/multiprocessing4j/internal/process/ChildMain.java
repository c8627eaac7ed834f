package org.multiprocessing4j.internal.process;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.HexFormat;
import java.util.List;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * The entry point of every child JVM (CPython's {@code spawn_main}).
 *
 * <pre>
 *   ChildMain spawn SOCKET TOKEN   connect, HELLO, wait for RUN, run, EXIT, halt
 *   ChildMain warm  SOCKET TOKEN   connect, HELLO, PREPARE(s): build the codec and warm up;
 *                                  then as spawn
 *   ChildMain --train              the AOT training run: the bootstrap path once, offline
 * </pre>
 *
 * <p>From the moment RUN arrives a daemon thread reads the control connection; end of stream
 * means the parent is gone (exit, crash or kill -9) and the child halts at once. A warm JVM
 * waiting for RUN halts the same way.
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
        if (args.length == 1 && args[0].equals("--train")) {
            train();
            System.exit(0);
            return;
        }
        if (args.length != 3 || !(args[0].equals("spawn") || args[0].equals("warm"))) {
            System.err.println("ChildMain: this is the entry point of child processes started by multiprocessing4j;"
                    + " it is not meant to be run by hand");
            System.exit(2);
        }
        ClassLoader loader = ChildMain.class.getClassLoader();
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(args[1]));
        } catch (IOException e) {
            Runtime.getRuntime().halt(PARENT_DIED); // the parent has gone (or closed its context) before we connected
        }
        Control control = new Control(ch);
        byte[] token = HexFormat.of().parseHex(args[2]);
        long pid = ProcessHandle.current().pid();
        control.send(Control.HELLO, out -> {
            out.write(token);
            out.writeLong(pid);
        });

        // The parent watch: reads the control connection once RUN is in; end of stream = parent gone.
        // Started now, while the JVM has nothing else to do, and released by the latch.
        java.util.concurrent.CountDownLatch runReceived = new java.util.concurrent.CountDownLatch(1);
        Thread watch = new Thread(() -> {
            try {
                runReceived.await();
                while (control.receive() != null) {
                    // no frames are expected after RUN
                }
            } catch (IOException | InterruptedException ignored) {
                // broken connection: the parent is gone as well
            }
            Runtime.getRuntime().halt(PARENT_DIED);
        }, "mp4j-parent-watch");
        watch.setDaemon(true);
        watch.start();

        Codec codec = null;
        ChildSpec spec = null;
        long runReceivedMicros = 0;
        while (spec == null) {
            Control.Frame f = control.receive();
            if (f == null) {
                Runtime.getRuntime().halt(PARENT_DIED);
            }
            if (f.type() == Control.PREPARE) {
                DataInputStream in = f.bodyStream();
                int generation = in.readInt();
                List<String> names = ChildSpec.readRegistryNames(in);
                codec = Codec.fromRegistry(names, generation, loader);
                byte[] rehearsal = new byte[ChildSpec.checkedLength(in.readInt(), Integer.MAX_VALUE - 8)];
                in.readFully(rehearsal);
                warmUp(loader);
                if (rehearsal.length > 0) {
                    try {
                        codec.decodeProcess(rehearsal); // see WarmReserve: load what the next RUN will need
                    } catch (RuntimeException e) {
                        // a rehearsal is an optimisation only
                    }
                }
                control.send(Control.READY, out -> { });
            } else if (f.type() == Control.RUN) {
                runReceivedMicros = TIMING ? epochMicros() : 0;
                spec = ChildSpec.readFrom(f.bodyStream());
            }
        }
        runReceived.countDown();

        long tRun = System.nanoTime();
        long tDecoded = tRun;
        int exitCode;
        try {
            if (codec == null || codec.generation() != spec.generation()) {
                codec = Codec.fromRegistry(spec.registry(), spec.generation(), loader);
            }
            Object process = codec.decodeProcess(spec.payload());
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
        final int code = exitCode;
        try {
            control.sendInt(Control.EXIT, code);
        } catch (IOException ignored) {
            // the parent is gone; nobody to tell
        }
        if (TIMING) {
            long tSent = System.nanoTime();
            long sentMicros = epochMicros();
            System.err.printf("[mp4j timing] %s pid %d: RUN received at %d us, EXIT sent at %d us (epoch);"
                    + " until decode %.2f ms, decode %.2f ms, run %.2f ms, EXIT %.2f ms%n",
                    args[0], pid, runReceivedMicros, sentMicros, (tRun - (sentMicros - runReceivedMicros) * 1000 - tRun + (tSent - tRun)) / -1e6,
                    (tDecoded - tRun) / 1e6, (tRan - tDecoded) / 1e6, (tSent - tRan) / 1e6);
        }
        Runtime.getRuntime().halt(code & 0xff);
    }

    /**
     * Loads and links what the first RUN will need, while the JVM is idle in the warm reserve:
     * the lambda machinery (a serializable lambda through a codec), the process classes.
     */
    private static void warmUp(ClassLoader loader) throws IOException {
        Codec scratch = new Codec(loader);
        scratch.register(ChildMain.class);
        Sample s = () -> 42;
        Object back = scratch.decodeProcess(scratch.encodeProcess(s));
        if (((Sample) back).value() != 42) {
            throw new IllegalStateException("codec warm-up failed");
        }
        ProcessAccess.get().rehearse();
        Control.intFrame(Control.EXIT, 0);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ChildSpec sample = new ChildSpec("spawn", "warm-up", new int[] {1}, false, 0, "x", "", new byte[0], 0, List.of(), new byte[0]);
        sample.writeTo(new DataOutputStream(buf));
        ChildSpec.readFrom(new DataInputStream(new ByteArrayInputStream(buf.toByteArray())));
    }

    /** The AOT training run: the bootstrap path once, so that its classes go into the cache. */
    private static void train() throws Exception {
        ClassLoader loader = ChildMain.class.getClassLoader();
        warmUp(loader);
        try (SocketChannel unused = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            UnixDomainSocketAddress.of("/nonexistent/mp4j-train.sock");
        }
        Class<?> processClass = Class.forName("org.multiprocessing4j.Process", true, loader);
        Codec codec = new Codec(loader);
        codec.register(processClass, ChildMain.class);
        Object process = processClass.getConstructor(Class.forName("org.multiprocessing4j.Target", true, loader))
                .newInstance((org.multiprocessing4j.Target) () -> { });
        Object copy = codec.decodeProcess(codec.encodeProcess(process));
        ChildSpec spec = new ChildSpec("spawn", "Process-1", new int[] {1}, false, 0, "MainProcess", "", new byte[0],
                codec.generation(), codec.registeredNames(), new byte[0]);
        ProcessAccess.get().runAsChild(copy, spec, true);
    }

    private static long epochMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    /** A serializable function for the warm-up. */
    @FunctionalInterface
    interface Sample extends java.io.Serializable {
        int value();
    }
}
