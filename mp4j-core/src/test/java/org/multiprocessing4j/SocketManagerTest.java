package org.multiprocessing4j;

/** The manager contract with every request on the socket (no shared-memory pipe), spawn start method. */
class SocketManagerTest extends ManagerContract {
    @Override
    StartMethod method() {
        return StartMethod.SPAWN;
    }

    @Override
    boolean sharedMemory() {
        return false;
    }
}
