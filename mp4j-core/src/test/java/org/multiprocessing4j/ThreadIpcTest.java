package org.multiprocessing4j;

/** The pipes-and-queues contract with the thread start method. */
class ThreadIpcTest extends IpcContract {
    @Override
    StartMethod method() {
        return StartMethod.THREAD;
    }

    @Override
    boolean separateJvm() {
        return false;
    }
}
