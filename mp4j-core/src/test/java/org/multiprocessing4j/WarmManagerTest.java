package org.multiprocessing4j;

/** The manager contract with the warm start method (server process and clients). */
class WarmManagerTest extends ManagerContract {
    @Override
    StartMethod method() {
        return StartMethod.WARM;
    }
}
