package org.multiprocessing4j.internal.process;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

/**
 * A "process" that is a thread of this JVM (the thread start method, CPython's
 * {@code multiprocessing.dummy}).
 *
 * <p>What differs from a real process, by necessity: {@link #terminate()} and {@link #kill()}
 * interrupt the thread, and a target that ignores interruption keeps running; when the thread
 * ends after such a request, its exit code is -15 or -9 as for a signal. {@link #pid()} is this
 * JVM's pid. A daemonic process is a daemon thread.
 */
final class ThreadPopen implements Popen {
    private final Thread thread;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    /** 0, or the negated signal number of the first terminate()/kill() request. */
    private volatile int stopRequest;

    ThreadPopen(String name, boolean daemon, IntSupplier body) {
        this.thread = Thread.ofPlatform().name(name).daemon(daemon).unstarted(() -> {
            int code = 1;
            try {
                code = body.getAsInt();
            } finally {
                int requested = stopRequest;
                exit.complete(requested != 0 ? requested : code);
            }
        });
    }

    void start() {
        thread.start();
    }

    @Override
    public long pid() {
        return ProcessHandle.current().pid();
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
        stop(-15);
    }

    @Override
    public void kill() {
        stop(-9);
    }

    private void stop(int code) {
        if (!exit.isDone()) {
            if (stopRequest == 0) {
                stopRequest = code;
            }
            thread.interrupt();
        }
    }

    @Override
    public void close() {
        // nothing held
    }
}
