package org.multiprocessing4j;

/**
 * The authkey handshake with a manager failed (CPython's {@code AuthenticationError}): the server
 * refused the client's key, or the server could not prove that it knows the key. Nothing was
 * sent or deserialised by either side.
 */
public class AuthenticationException extends ManagerException {
    private static final long serialVersionUID = 1L;

    public AuthenticationException(String message) {
        super(message);
    }
}
