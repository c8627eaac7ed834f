package org.multiprocessing4j;

/**
 * A manager could not be reached or stopped answering: nobody listens at its address, it died,
 * or it closed the connection (CPython raises {@code ConnectionRefusedError}, {@code EOFError} or
 * {@code BrokenPipeError} there). The message names the manager's address.
 *
 * <p>Unchecked, because proxies implement interfaces such as {@link java.util.Map} whose methods
 * declare no checked exceptions.
 */
public class ManagerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ManagerException(String message) {
        super(message);
    }

    public ManagerException(String message, Throwable cause) {
        super(message, cause);
    }
}
