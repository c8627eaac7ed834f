package org.multiprocessing4j;

/** The shared-memory contract with the thread start method. */
class ThreadSyncTest extends SyncContract {
    @Override
    StartMethod method() {
        return StartMethod.THREAD;
    }

    @Override
    boolean separateJvm() {
        return false;
    }
}
