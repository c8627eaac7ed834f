package org.multiprocessing4j;

/** The manager contract with the thread start method (server process and clients). */
class ThreadManagerTest extends ManagerContract {
    @Override
    StartMethod method() {
        return StartMethod.THREAD;
    }
}
