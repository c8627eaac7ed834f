package org.multiprocessing4j;

/** What a {@link Condition} needs of its lock: {@link Lock} or {@link RLock}. */
sealed interface SharedLock extends java.util.concurrent.locks.Lock permits Lock, RLock {
    /** True when the calling thread may wait on a condition of this lock (it holds it). */
    boolean heldForCondition();

    /** Releases the lock completely before a condition wait; returns what {@link #restoreAfterWait} needs. */
    int releaseForWait();

    /** Re-acquires (not interruptibly) after a condition wait and restores the saved state. */
    void restoreAfterWait(int saved);

    /** The serialised form. */
    SharedRef ref();
}
