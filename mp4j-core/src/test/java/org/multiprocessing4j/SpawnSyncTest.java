package org.multiprocessing4j;

/** The shared-memory contract with the spawn start method. */
class SpawnSyncTest extends SyncContract {
    @Override
    StartMethod method() {
        return StartMethod.SPAWN;
    }

    @Override
    boolean separateJvm() {
        return true;
    }
}
