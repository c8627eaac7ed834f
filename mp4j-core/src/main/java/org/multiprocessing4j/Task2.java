package org.multiprocessing4j;

import java.io.Serializable;

/**
 * A task with 2 arguments that a {@link Pool} worker runs and whose result comes back, as
 * {@link Pool#starmap} and {@link Pool#apply(Task2, Object, Object)} take it. The arguments cross to the worker through the codec and are checked
 * (serialisable, allow-listed) in the caller when the task is submitted.
 *
 * @param <A> the type of argument 1
 * @param <B> the type of argument 2
 * @param <R> the type of the result
 * @see Task
 */
@FunctionalInterface
public interface Task2<A, B, R> extends Serializable {
    /** Runs in a worker process. An exception that escapes fails the task and reaches the caller. */
    R apply(A a, B b) throws Exception;
}
