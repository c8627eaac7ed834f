package org.multiprocessing4j.internal.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * Starts child JVMs: the spawn method (a fresh JVM per process) and, with a {@link WarmReserve},
 * the warm method (a pre-started JVM per process).
 *
 * <h2>Start sequence (spawn)</h2>
 * <pre>
 *   parent                                   child JVM
 *   token = server.expect(f)
 *   ProcessBuilder.start()  ---------------&gt;  ChildMain spawn SOCKET TOKEN
 *   (start() returns here)                   connect, HELLO(token, pid)
 *   f completes: attach, send RUN  --------&gt;  build codec, decode process, run()
 *                                  &lt;--------  EXIT(code), halt(code)
 * </pre>
 * A warm child is the same JVM started earlier with mode {@code warm}: it has said HELLO and
 * received PREPARE (the allow-list, to build its codec) before anyone needs it, so a start is one
 * RUN frame.
 *
 * <p>Children's stdin is {@code /dev/null} (as in CPython); stdout and stderr are this JVM's own.
 */
public final class JvmLauncher implements Launcher {
    private final Codec codec;
    private final ControlServer server;
    private final JvmCommand command;
    private final AotCache aot;
    private final WarmReserve reserve;

    /**
     * @param warmReserve the number of pre-started JVMs to keep; 0 for the spawn method
     */
    public JvmLauncher(Codec codec, JvmCommand command, boolean aotCache, int warmReserve) {
        this.codec = codec;
        this.command = command;
        this.server = ControlServer.open();
        this.aot = new AotCache(command, aotCache);
        this.reserve = warmReserve > 0 ? new WarmReserve(this, warmReserve) : null;
        if (reserve != null) {
            reserve.refill();
        }
    }

    /** The payload of the last process started, for reserve JVMs to rehearse; guarded by this. */
    private byte[] lastPayload = new byte[0];
    private int lastPayloadGeneration = -1;

    @Override
    public Popen launch(ChildSpec spec) {
        if (reserve != null) {
            synchronized (this) {
                lastPayload = spec.payload();
                lastPayloadGeneration = spec.generation();
            }
            WarmReserve.Child warm = reserve.take();
            reserve.refill();
            if (warm != null) {
                JvmPopen popen = new JvmPopen(warm.os());
                popen.attach(warm.control());
                sendRun(warm.control(), spec);
                return popen;
            }
        }
        CompletableFuture<ControlServer.Hello> hello = new CompletableFuture<>();
        String token = server.expect(hello);
        java.lang.Process os = startJvm("spawn", token);
        JvmPopen popen = new JvmPopen(os);
        os.onExit().thenRun(() -> server.forget(token));
        hello.thenAccept(h -> {
            popen.attach(h.control());
            sendRun(h.control(), spec);
        });
        return popen;
    }

    private static void sendRun(Control control, ChildSpec spec) {
        try {
            control.send(Control.RUN, spec::writeTo);
        } catch (IOException e) {
            // the child died before it could be told what to run; its OS exit status tells the parent
            control.close();
        }
    }

    /** Starts a JVM running ChildMain in {@code mode}, connecting with {@code token}. */
    java.lang.Process startJvm(String mode, String token) {
        Path cache = aot.readyOrStartBuild();
        List<String> cmd = command.command(cache, cache != null ? List.of("-Xlog:aot=off", "-Xlog:cds=off") : List.of(),
                mode, server.socketPath().toString(), token);
        try {
            return new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            throw new ProcessStartException("cannot start a child JVM: " + cmd.get(0) + ": " + e.getMessage(), e);
        }
    }

    /** The last payload, if it was encoded with the allow-list of {@code generation}, else empty. */
    synchronized byte[] lastPayload(int generation) {
        return generation == lastPayloadGeneration ? lastPayload : new byte[0];
    }

    ControlServer server() {
        return server;
    }

    Codec codec() {
        return codec;
    }

    @Override
    public boolean prepare(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        codec.prepare();
        boolean ready = aot.await(Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
        if (reserve != null) {
            reserve.retireStale();
            reserve.refill();
            ready &= reserve.awaitFull(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        return ready;
    }

    @Override
    public void close() {
        if (reserve != null) {
            reserve.close();
        }
        server.close();
    }
}
