package org.multiprocessing4j;

import java.io.Serializable;

/**
 * The code a {@link Process} runs, with no arguments: a serializable lambda, a method reference or
 * an object of a registered class.
 *
 * <pre>{@code
 * Process p = new Process(() -> System.out.println("hello from " + Multiprocessing.currentProcess().name()));
 * }</pre>
 *
 * <p>The function object travels to the child through the codec: a lambda's captured values must
 * be serialisable, and the class that declares the lambda is allowed automatically. CPython
 * counterpart: {@code Process(target=f)}.
 *
 * @see Target1
 * @see Target2
 * @see Target3
 */
@FunctionalInterface
public interface Target extends Serializable {
    /** Runs in the child process. An exception that escapes gives exit code 1. */
    void run() throws Exception;
}
