package org.multiprocessing4j;

/** The shared-memory contract with the warm start method. */
class WarmSyncTest extends SyncContract {
    @Override
    StartMethod method() {
        return StartMethod.WARM;
    }

    @Override
    boolean separateJvm() {
        return true;
    }
}
