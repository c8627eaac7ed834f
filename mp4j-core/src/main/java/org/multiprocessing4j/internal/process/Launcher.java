package org.multiprocessing4j.internal.process;

import java.time.Duration;

/** Starts processes for one start method. Owned by a context; closed with it. */
public interface Launcher extends AutoCloseable {
    /**
     * Starts a process that will run {@code spec}. Returns once the process exists; the child may
     * still be booting.
     *
     * @throws ProcessStartException when no process could be started
     */
    Popen launch(ChildSpec spec);

    /**
     * Prepares for fast starts (AOT cache, warm reserve) and waits until ready.
     *
     * @return true when everything was ready within the timeout
     */
    boolean prepare(Duration timeout) throws InterruptedException;

    /** Stops idle pre-started JVMs and the report FIFO; running processes are not affected. */
    @Override
    void close();
}
