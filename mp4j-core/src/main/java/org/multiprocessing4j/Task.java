package org.multiprocessing4j;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A task without arguments that a {@link Pool} worker runs and whose result comes back: a
 * serializable {@link Callable}. A lambda or method reference becomes one where a Task is expected;
 * the class that declares it is allowed automatically.
 *
 * @param <R> the type of the result
 * @see Task1
 */
@FunctionalInterface
public interface Task<R> extends Callable<R>, Serializable {
    /** Runs in a worker process. An exception that escapes fails the task and reaches the caller. */
    @Override
    R call() throws Exception;
}
