package org.multiprocessing4j;

/** The Process contract on fresh child JVMs. */
class SpawnProcessTest extends ProcessContract {
    @Override
    StartMethod method() {
        return StartMethod.SPAWN;
    }

    @Override
    boolean separateJvm() {
        return true;
    }
}
