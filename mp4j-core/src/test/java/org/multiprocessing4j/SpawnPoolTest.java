package org.multiprocessing4j;

/** The pool contract with the spawn start method. */
class SpawnPoolTest extends PoolContract {
    @Override
    StartMethod method() {
        return StartMethod.SPAWN;
    }

    @Override
    boolean separateJvm() {
        return true;
    }
}
