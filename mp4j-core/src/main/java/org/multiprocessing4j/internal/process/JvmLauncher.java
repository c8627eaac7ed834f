package org.multiprocessing4j.internal.process;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * Starts child JVMs: the spawn method (a fresh JVM per process) and, with a {@link WarmReserve},
 * the warm method (a pre-started JVM per process).
 *
 * <h2>Start sequence (spawn)</h2>
 * <pre>
 *   parent                                        child JVM
 *   id = reports.reserve()
 *   ProcessBuilder.start()  --------------------&gt; ChildMain spawn FIFO ID
 *   RUN on the child's stdin (buffered by the pipe)
 *   (start() returns here)                        boot, read RUN, decode, run()
 *   EXIT report on the FIFO  &lt;-------------------- EXIT(code), halt(code)
 * </pre>
 * A warm child is the same JVM started earlier with mode {@code warm}: it has read PREPARE (the
 * allow-list and a payload to rehearse) and reported READY before anyone needs it, so a start is
 * one RUN frame.
 *
 * <p>stdout and stderr of children are this JVM's own. Their stdin is the control pipe; user code
 * in a child sees an empty {@code System.in}, as CPython children see {@code /dev/null}.
 */
public final class JvmLauncher implements Launcher {
    private final Codec codec;
    private final ReportPipe reports;
    private final JvmCommand command;
    private final AotCache aot;
    private final WarmReserve reserve;
    /** What every reserve JVM runs once before READY ({@link Codec#encodeFunction} bytes), or empty. */
    private final byte[] preload;

    /**
     * @param warmReserve the number of pre-started JVMs to keep; 0 for the spawn method
     * @param preload the {@link Codec#encodeFunction} bytes of a target every reserve JVM runs
     *     once before it reports READY, or null
     */
    public JvmLauncher(Codec codec, JvmCommand command, boolean aotCache, int warmReserve, byte[] preload) {
        this.codec = codec;
        this.preload = preload == null ? new byte[0] : preload.clone();
        this.command = command;
        this.reports = ReportPipe.open();
        this.aot = new AotCache(command, aotCache, this::lastSpec);
        this.reserve = warmReserve > 0 ? new WarmReserve(this, warmReserve) : null;
        if (reserve != null) {
            reserve.refill();
        }
    }

    /** The last process started, for reserve JVMs to rehearse and the AOT cache to learn; guarded by this. */
    private ChildSpec lastSpec;

    @Override
    public Popen launch(ChildSpec spec) {
        synchronized (this) {
            lastSpec = spec;
        }
        if (reserve != null) {
            JvmPopen warm = reserve.take();
            boolean sent = warm != null && sendRun(warm, spec);
            reserve.refill(); // after RUN: the refill thread's wake-up is not on the new process's path
            if (sent) {
                return warm;
            }
        }
        JvmPopen popen = start("spawn");
        sendRun(popen, spec);
        return popen;
    }

    /** Starts a JVM running ChildMain in {@code mode}; its reports go to the returned handle. */
    JvmPopen start(String mode) {
        long id = reports.reserve();
        Path cache = aot.readyOrStartBuild();
        List<String> cmd = command.command(cache, cache != null ? List.of("-Xlog:aot=off", "-Xlog:cds=off") : List.of(),
                mode, reports.path().toString(), Long.toHexString(id));
        java.lang.Process os;
        try {
            os = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            reports.forget(id);
            throw new ProcessStartException("cannot start a child JVM: " + cmd.get(0) + ": " + e.getMessage(), e);
        }
        JvmPopen popen = new JvmPopen(os);
        reports.listen(id, popen); // before any frame is sent: a child reports only in answer to one

        os.onExit().thenRun(() -> reports.forget(id));
        return popen;
    }

    /** Sends RUN; false when the child is already gone (its exit status then tells the parent). */
    private static boolean sendRun(JvmPopen popen, ChildSpec spec) {
        try {
            Control.send(popen.control(), Control.RUN, spec::writeTo);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The last payload, if it was encoded with the allow-list of {@code generation}, else empty. */
    synchronized byte[] lastPayload(int generation) {
        return lastSpec != null && generation == lastSpec.generation() ? lastSpec.payload() : new byte[0];
    }

    private synchronized ChildSpec lastSpec() {
        return lastSpec;
    }

    Codec codec() {
        return codec;
    }

    /** The preload's bytes (empty: none); not to be modified. */
    byte[] preload() {
        return preload;
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
        reports.close();
    }
}
