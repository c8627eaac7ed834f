package org.multiprocessing4j.internal.process;

import java.io.DataInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child JVM, started by {@link JvmLauncher} with the spawn or warm method.
 *
 * <h2>When the process counts as ended</h2>
 * At the first of two events: the child's EXIT frame (sent after run() returned and
 * stdout/stderr were flushed, just before the child halts), or the end of the OS process (a
 * signal, {@code System.exit}, a crash). The EXIT frame is what makes join() fast: the kernel's
 * teardown of a JVM takes another 4-7 ms, which the OS reaper finishes in the background. Both
 * events carry the same code, since the child halts with the code it announced.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
final class JvmPopen implements Popen {
    private final java.lang.Process os;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private volatile Control control;

    JvmPopen(java.lang.Process os) {
        this.os = os;
        os.onExit().thenAccept(p -> exit.complete(Popen.fromOsStatus(p.exitValue())));
    }

    /** Takes over the child's control connection and listens for its EXIT frame. */
    void attach(Control c) {
        this.control = c;
        Thread.ofVirtual().name("mp4j-child-" + os.pid()).start(() -> {
            try {
                for (Control.Frame f; (f = c.receive()) != null; ) {
                    if (f.type() == Control.EXIT) {
                        DataInputStream in = f.bodyStream();
                        exit.complete(in.readInt());
                    }
                }
            } catch (IOException e) {
                // connection broken: the child is dying; the OS exit completes `exit`
            } finally {
                c.close();
            }
        });
    }

    @Override
    public long pid() {
        return os.pid();
    }

    @Override
    public OptionalInt poll() {
        Integer code = exit.getNow(null);
        return code == null ? OptionalInt.empty() : OptionalInt.of(code);
    }

    @Override
    public boolean waitFor(Duration timeout) throws InterruptedException {
        try {
            if (timeout == null) {
                exit.get();
            } else {
                exit.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("unreachable: exit future never fails", e);
        }
    }

    @Override
    public void terminate() {
        if (!exit.isDone()) {
            os.destroy();
        }
    }

    @Override
    public void kill() {
        if (!exit.isDone()) {
            os.destroyForcibly();
        }
    }

    @Override
    public void close() {
        Control c = control;
        if (c != null) {
            c.close();
        }
    }
}
