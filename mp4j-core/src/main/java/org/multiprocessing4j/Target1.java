package org.multiprocessing4j;

import java.io.Serializable;

/**
 * The code a {@link Process} runs, with 1 argument(s) given at construction: CPython's
 * {@code Process(target=f, args=(...))}. The arguments cross to the child through the codec with
 * the target, and are checked (serialisable, allow-listed) when the process starts.
 *
 * @param <A> the type of the argument
 * @see Target
 */
@FunctionalInterface
public interface Target1<A> extends Serializable {
    /** Runs in the child process. An exception that escapes gives exit code 1. */
    void run(A a) throws Exception;
}
