package org.multiprocessing4j;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.multiprocessing4j.internal.process.ChildSpec;
import org.multiprocessing4j.internal.process.Control;

/**
 * Compiles this JVM's side of starting a process, for {@link Multiprocessing#warmUp}: the
 * {@link Process} constructor, {@code start()} up to the launcher (registration, the payload, the
 * child's spec), {@code join()} and {@code close()}, in {@link #ROUNDS} starts of an empty target
 * with the thread start method, and the encoding of the RUN frame a child JVM receives.
 *
 * <p>The starts run on a thread of their own whose current process is a scratch one (the thread
 * start method's own mechanism): the caller's processes are not renumbered ({@code Process-1}
 * is still the first one the program starts), no child is left in its list, and the scratch
 * context's allow-list is its own.
 *
 * <p>Why: a process start runs each of these methods once, so a program that starts a few
 * hundred processes runs them interpreted throughout (the tiered compiler's first threshold is
 * 200 calls). Measured (2026-11-24, 2-vCPU VM, JDK 25, a probe starting and joining an empty
 * target from the warm reserve 30 times, the reserve refilled between starts): the parent's
 * part before RUN was sent took about 380 us interpreted ({@code new Process} alone 155 us) and
 * about 190 us after 3,000 such starts; the whole start+join 1.35-1.61 ms before, 1.13-1.18 ms
 * after (medians of two runs each).
 */
final class StartWarmup {
    /** Starts the warm-up makes ({@code -Dmp4j.warmup.startRounds}). */
    static final int ROUNDS = Math.max(0, Integer.getInteger("mp4j.warmup.startRounds", 3000));

    private StartWarmup() {}

    /**
     * Runs the warm-up; returns when it is over.
     *
     * @throws IllegalStateException when one of its starts failed (a start that does not end
     *     with exit code 0 is a broken start path)
     */
    static void run() {
        if (ROUNDS == 0) {
            return;
        }
        Context context = Context.builder(StartMethod.THREAD).build();
        Process scratch = Process.scratchParent();
        java.util.concurrent.atomic.AtomicReference<RuntimeException> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = Thread.ofPlatform().name("mp4j-warmup-start").start(() -> {
            Multiprocessing.enterThreadProcess(scratch);
            try {
                for (int i = 0; i < ROUNDS; i++) {
                    Process p = context.process(StartWarmup::empty);
                    p.start();
                    p.join();
                    if (p.exitCode().orElse(-1) != 0) {
                        throw new IllegalStateException("start warm-up: exit code " + p.exitCode());
                    }
                    sendRun(p);
                    p.close();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure.set(e);
            } finally {
                Multiprocessing.leaveThreadProcess();
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            t.interrupt();
            Thread.currentThread().interrupt();
        } finally {
            context.close();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("the process start warm-up failed", failure.get());
        }
    }

    private static void empty() {
        // the target of every start
    }

    /** Encodes a RUN frame for {@code p} as the JVM launchers send one, into nothing. */
    private static void sendRun(Process p) {
        ChildSpec spec = new ChildSpec("warm", p.name(), new int[] {1}, false, 1, "MainProcess", "", "OFF", new byte[32],
                1, List.of(Process.class.getName()), new byte[64]);
        try {
            Control.send(OutputStream.nullOutputStream(), Control.RUN, spec::writeTo);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
