package org.multiprocessing4j;

/** The pipes-and-queues contract with the spawn start method. */
class SpawnIpcTest extends IpcContract {
    @Override
    StartMethod method() {
        return StartMethod.SPAWN;
    }

    @Override
    boolean separateJvm() {
        return true;
    }
}
