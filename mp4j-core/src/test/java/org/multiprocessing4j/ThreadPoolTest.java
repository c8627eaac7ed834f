package org.multiprocessing4j;

/** The pool contract with the thread start method. */
class ThreadPoolTest extends PoolContract {
    @Override
    StartMethod method() {
        return StartMethod.THREAD;
    }

    @Override
    boolean separateJvm() {
        return false;
    }
}
