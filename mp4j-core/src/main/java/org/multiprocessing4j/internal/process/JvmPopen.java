package org.multiprocessing4j.internal.process;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * A child JVM, started by {@link JvmLauncher} with the spawn or warm method.
 *
 * <h2>When the process counts as ended</h2>
 * At the first of two events: the child's EXIT report (sent after run() returned and
 * stdout/stderr were flushed, just before the child halts), or the end of the OS process (a
 * signal, {@code System.exit}, a crash). The EXIT report is what makes join() fast: the kernel's
 * teardown of a JVM takes another 4-7 ms, which the OS reaper finishes in the background. Both
 * events carry the same code, since the child halts with the code it announced. A child killed
 * by a signal before its report may have died holding segments nobody else holds: the parent
 * sweeps them ({@link Segments#sweep()}) once the OS process is gone.
 *
 * <p>The parent's end of the child's stdin stays open until {@link #close()} or the parent's
 * death; its closing is what tells the child that its parent is gone.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
final class JvmPopen implements Popen, ReportPipe.Listener {
    private final java.lang.Process os;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    JvmPopen(java.lang.Process os) {
        this.os = os;
        os.onExit().thenAccept(p -> {
            boolean reported = exit.isDone();
            int code = Popen.fromOsStatus(p.exitValue());
            exit.complete(code);
            ready.completeExceptionally(new IOException("child JVM exited with status " + p.exitValue() + " before it was ready"));
            if (!reported && code < 0) {
                // Killed by a signal before its EXIT report (kill -9, a crash), so maybe without
                // letting go of its segments: remove those it alone held, now that the kernel has
                // dropped its locks. (A JVM that exits by itself lets go first, and its report may
                // simply not be read yet: no sweep for it.)
                Segments.sweep();
            }
        });
    }

    java.lang.Process os() {
        return os;
    }

    /** The child's stdin: the parent-to-child control channel. */
    OutputStream control() {
        return os.getOutputStream();
    }

    /**
     * Completes when a warm child has said READY; fails if it dies first, and with a
     * {@link PreloadFailedException} if it reported that its preload threw.
     */
    CompletableFuture<Void> whenReady() {
        return ready;
    }

    @Override
    public void ready(int value) {
        if (value == Control.PRELOAD_FAILED) {
            ready.completeExceptionally(new PreloadFailedException(os.pid()));
        } else {
            ready.complete(null);
        }
    }

    /** A warm child's preload threw (it printed the stack trace, and halts once its stdin is closed). */
    static final class PreloadFailedException extends RuntimeException {
        PreloadFailedException(long pid) {
            super("the context's preload failed in pre-started JVM pid " + pid + " (its stack trace is on stderr)", null,
                    false, false);
        }
    }

    @Override
    public void exit(int code) {
        exit.complete(code);
    }

    CompletableFuture<Integer> onExit() {
        return exit;
    }

    @Override
    public long pid() {
        return os.pid();
    }

    @Override
    public OptionalInt poll() {
        return Popen.poll(exit);
    }

    @Override
    public boolean waitFor(Duration timeout) throws InterruptedException {
        return Popen.await(exit, timeout);
    }

    @Override
    public void onExit(Runnable action) {
        exit.whenComplete((code, e) -> action.run());
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
        try {
            os.getOutputStream().close();
        } catch (IOException ignored) {
            // the child is gone
        }
    }
}
