package org.multiprocessing4j;

/**
 * A lock or semaphore held for the extent of a try-with-resources block: CPython's
 * {@code with lock:}.
 *
 * <pre>{@code
 * try (Held held = lock.hold()) {
 *     counter.set(counter.getLong() + 1);
 * }
 * }</pre>
 */
@FunctionalInterface
public interface Held extends AutoCloseable {
    /** Releases what {@code hold()} acquired. */
    @Override
    void close();
}
