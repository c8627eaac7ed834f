package org.multiprocessing4j;

/**
 * A proxy of a lock held by a manager ({@link Manager#lock()}, {@link Manager#rlock()}):
 * CPython's {@code AcquirerProxy}, as a {@link java.util.concurrent.locks.Lock}.
 *
 * <p>A manager's lock is owned by the client thread that acquired it (each client thread has its
 * own connection to the server). When that client dies, or the thread's connection ends, the
 * server releases what it still held, so a dead client never leaves a lock held.
 */
public interface LockProxy extends java.util.concurrent.locks.Lock {
    /** Acquires the lock for a try-with-resources block: CPython's {@code with lock:}. Runs in the client. */
    default Held hold() {
        lock();
        return this::unlock;
    }

    /**
     * Not available on a proxy: use {@link Manager#condition(LockProxy)}, whose condition lives on
     * the server beside the lock.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    default java.util.concurrent.locks.Condition newCondition() {
        throw new UnsupportedOperationException("a lock proxy has no local conditions: use Manager.condition(lock)");
    }
}
