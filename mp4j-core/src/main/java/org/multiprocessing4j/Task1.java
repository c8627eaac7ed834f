package org.multiprocessing4j;

import java.io.Serializable;

/**
 * A task with 1 argument that a {@link Pool} worker runs and whose result comes back, as
 * {@link Pool#map}, {@link Pool#imap}, {@link Pool#apply(Task1, Object)} and their relatives take it. The arguments cross to the worker through the codec and are checked
 * (serialisable, allow-listed) in the caller when the task is submitted.
 *
 * @param <A> the type of argument 1
 * @param <R> the type of the result
 * @see Task
 */
@FunctionalInterface
public interface Task1<A, R> extends Serializable {
    /** Runs in a worker process. An exception that escapes fails the task and reaches the caller. */
    R apply(A a) throws Exception;
}
