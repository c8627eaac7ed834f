package org.multiprocessing4j.internal.process;

/** No OS process could be started (the java executable is missing, the OS refused...). */
public final class ProcessStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProcessStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
