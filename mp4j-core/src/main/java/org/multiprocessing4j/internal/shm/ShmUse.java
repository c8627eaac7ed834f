package org.multiprocessing4j.internal.shm;

/**
 * Whether this process has touched shared memory, in a class that costs nothing to load: a
 * child's exit path asks it before it loads {@link Segments} (whose initialisation, a
 * {@code SecureRandom} among it, would otherwise land on every child's way out), and a warm
 * reserve tells its JVMs whether to warm the shared-memory paths up (a parent that uses shared
 * memory has children that likely do too; likewise for managers).
 */
public final class ShmUse {
    /** Set when this process first creates or attaches a segment. */
    static volatile boolean used;

    private ShmUse() {}

    /** True once this process has created or attached a segment. */
    public static boolean any() {
        return used;
    }

    /** Set when this process first talks to a manager. */
    private static volatile boolean managers;

    /** Notes that this process talks to a manager (its warm JVMs then warm the proxy paths up too). */
    public static void noteManager() {
        managers = true;
    }

    /** True once this process has talked to a manager. */
    public static boolean anyManager() {
        return managers;
    }
}
