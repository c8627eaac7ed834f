package org.multiprocessing4j;

/** The pipes-and-queues contract with the warm start method. */
class WarmIpcTest extends IpcContract {
    @Override
    StartMethod method() {
        return StartMethod.WARM;
    }

    @Override
    boolean separateJvm() {
        return true;
    }
}
