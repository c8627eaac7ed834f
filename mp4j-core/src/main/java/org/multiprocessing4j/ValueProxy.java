package org.multiprocessing4j;

/**
 * A proxy of one value held by a manager ({@link Manager#value(Object)}): CPython's
 * {@code ValueProxy}.
 *
 * <p>As in CPython, {@code v.set(v.get() + 1)} from several processes is not atomic (two round
 * trips); {@link #updateAndGet} runs the whole update on the server under the value's lock.
 */
public interface ValueProxy<T> {
    /** The value now. */
    T get();

    /** Replaces the value. */
    void set(T value);

    /**
     * Applies {@code update} to the value on the server, atomically, and returns the new value.
     * The function is serialised (a serializable lambda whose class the server's allow-list has).
     */
    T updateAndGet(Task1<T, T> update);
}
