package org.multiprocessing4j;

import org.multiprocessing4j.internal.log.Log;

/**
 * What a process does with its children when its own program ends: CPython's
 * {@code util._exit_function}. Daemonic children are terminated, then the others are joined.
 *
 * <p>In a child, this runs after {@code run()} returns. In the main process of a JVM it runs when
 * the JVM's main thread ends: a non-daemon watcher thread, started with the first child, waits for
 * that thread, and its being non-daemon keeps the JVM up until the non-daemonic children have
 * been joined. On {@code System.exit} (a shutdown hook) daemonic children are terminated; every
 * child then halts anyway when it sees its parent gone.
 */
final class ExitFunction {
    private static final Log LOG = Log.of(ExitFunction.class);
    private static boolean installed; // guarded by ExitFunction.class

    private ExitFunction() {}

    /** Terminates daemonic children, joins the others, and (in a child JVM) its non-daemon threads. */
    static void run(Process self, boolean joinThreadsOfThisJvm) {
        for (Process c : self.liveChildren()) {
            if (c.isDaemon()) {
                LOG.info("calling terminate() for daemon %s", c.name());
                c.popen().terminate();
            }
        }
        for (Process c : self.liveChildren()) {
            LOG.info("calling join() for process %s", c.name());
            try {
                c.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (joinThreadsOfThisJvm) {
            joinNonDaemonThreads();
        }
    }

    /** Loads what {@link #run} uses, for a warm JVM. */
    static void rehearse() {
        liveThreads();
    }

    /** As a JVM would before exiting: wait for the user's non-daemon threads. */
    private static void joinNonDaemonThreads() {
        Thread me = Thread.currentThread();
        for (Thread t : liveThreads()) {
            if (t != me && !t.isDaemon() && t.isAlive() && !"DestroyJavaVM".equals(t.getName())) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The live platform threads of this JVM (without the VM operation of getAllStackTraces). */
    private static Thread[] liveThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 8];
        int n = root.enumerate(threads, true);
        return java.util.Arrays.copyOf(threads, n);
    }

    /** Installs the main-thread watcher and the shutdown hook, once per JVM. */
    static synchronized void installAtMainThreadEnd() {
        if (installed) {
            return;
        }
        installed = true;
        Runtime.getRuntime().addShutdownHook(new Thread(ExitFunction::terminateDaemonicChildren, "mp4j-shutdown"));
        Thread main = null;
        for (Thread t : liveThreads()) {
            if ("main".equals(t.getName()) && !t.isDaemon() && t.getThreadGroup() != null
                    && "main".equals(t.getThreadGroup().getName())) {
                main = t;
                break;
            }
        }
        if (main == null || !main.isAlive()) {
            return;
        }
        Thread mainThread = main;
        Thread.ofPlatform().name("mp4j-exit-function").daemon(false).start(() -> {
            try {
                mainThread.join();
            } catch (InterruptedException e) {
                return;
            }
            Process self = Multiprocessing.currentProcess();
            LOG.info("process shutting down");
            run(self, false);
        });
    }

    private static void terminateDaemonicChildren() {
        Process self = Multiprocessing.jvmProcess();
        for (Process c : self.liveChildren()) {
            if (c.isDaemon()) {
                c.popen().terminate();
            }
        }
    }
}
