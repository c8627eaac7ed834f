package org.multiprocessing4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;

/**
 * A parent program for {@link ParentJvmTest}: run in its own JVM, so that the test can read its
 * output, watch its main thread end, and kill it with SIGKILL.
 *
 * <pre>
 *   print  METHOD          a child prints a line; the parent joins and prints the exit code
 *   raise  METHOD          a child's run() throws
 *   orphans                spawn and warm children that sleep; prints "PIDS ..." and waits
 *   orphan-while-booting   a spawned child; prints "PIDS pid" at once and waits
 *   exit-function FILE     a daemonic child that sleeps and a non-daemonic one that writes FILE;
 *                          prints "PIDS daemon nondaemon" and returns from main
 *   log                    logToStderr(INFO), one child
 * </pre>
 */
public final class TestParentMain {
    private TestParentMain() {}

    static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "print" -> {
                Process p = Multiprocessing.context(args[1]).process((String m) ->
                        System.out.println("hello from " + Multiprocessing.currentProcess().name() + " via " + m), args[1]);
                p.start();
                p.join();
                System.out.println("joined exit=" + p.exitCode().getAsInt());
            }
            case "raise" -> {
                Process p = Multiprocessing.context(args[1]).process(() -> {
                    throw new IllegalArgumentException("boom from the child");
                });
                p.start();
                p.join();
                System.out.println("joined exit=" + p.exitCode().getAsInt());
            }
            case "orphans" -> {
                Process spawned = Multiprocessing.context("spawn").process(TestParentMain::sleep, 600_000L);
                Process warm = Multiprocessing.context("warm").process(TestParentMain::sleep, 600_000L);
                spawned.start();
                warm.start();
                Multiprocessing.context("warm").prepare(Duration.ofSeconds(60)); // the reserve JVMs too
                System.out.println("PIDS " + ProcessHandle.current().descendants().map(h -> Long.toString(h.pid()))
                        .collect(Collectors.joining(" ")));
                System.out.flush();
                Thread.sleep(600_000);
            }
            case "orphan-while-booting" -> {
                Process p = Multiprocessing.context("spawn").process(TestParentMain::sleep, 600_000L);
                p.start(); // returns once the OS process exists: the child JVM is still booting
                System.out.println("PIDS " + p.pid());
                System.out.flush();
                Thread.sleep(600_000);
            }
            case "exit-function" -> {
                Process daemon = new Process(TestParentMain::sleep, 600_000L).setDaemon(true);
                Process worker = new Process((String path) -> {
                    Thread.sleep(1500);
                    Files.writeString(Path.of(path), "done");
                }, args[1]);
                daemon.start();
                worker.start();
                System.out.println("PIDS " + daemon.pid() + " " + worker.pid());
                System.out.flush();
                // main returns: the daemon is terminated, the worker joined
            }
            case "log" -> {
                Multiprocessing.logToStderr(System.Logger.Level.INFO);
                Process p = new Process(() -> { });
                p.start();
                p.join();
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
