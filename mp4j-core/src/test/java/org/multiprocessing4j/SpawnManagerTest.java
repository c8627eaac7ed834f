package org.multiprocessing4j;

/** The manager contract with the spawn start method (server process and clients). */
class SpawnManagerTest extends ManagerContract {
    @Override
    StartMethod method() {
        return StartMethod.SPAWN;
    }
}
