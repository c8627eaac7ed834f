package org.multiprocessing4j;

import java.io.Serializable;

/**
 * The code a {@link Process} runs, with 3 argument(s) given at construction: CPython's
 * {@code Process(target=f, args=(...))}. The arguments cross to the child through the codec with
 * the target, and are checked (serialisable, allow-listed) when the process starts.
 *
 * @param <A> the type of the first argument
 * @param <B> the type of the second argument
 * @param <C> the type of the third argument
 * @see Target
 */
@FunctionalInterface
public interface Target3<A, B, C> extends Serializable {
    /** Runs in the child process. An exception that escapes gives exit code 1. */
    void run(A a, B b, C c) throws Exception;
}
