package org.multiprocessing4j;

/** The pool contract with the warm start method. */
class WarmPoolTest extends PoolContract {
    @Override
    StartMethod method() {
        return StartMethod.WARM;
    }

    @Override
    boolean separateJvm() {
        return true;
    }
}
