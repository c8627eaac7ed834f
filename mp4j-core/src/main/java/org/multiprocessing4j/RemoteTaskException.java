package org.multiprocessing4j;

/**
 * Stands for an exception thrown by a task in a worker process when that exception cannot cross
 * back itself (its class is not on the allow-list or does not serialise): it carries the class
 * name, the message and the worker's stack trace as text, as CPython's {@code RemoteTraceback}
 * does. Exceptions that can cross (the JDK's, and registered classes) arrive as themselves, with
 * their remote stack trace.
 */
public final class RemoteTaskException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String remoteClassName;
    private final String remoteStackTrace;

    /**
     * @param remoteClassName the class of the exception the task threw
     * @param message its message (may be null)
     * @param remoteStackTrace its stack trace as printed in the worker
     */
    public RemoteTaskException(String remoteClassName, String message, String remoteStackTrace) {
        super(remoteClassName + (message == null ? "" : ": " + message));
        this.remoteClassName = remoteClassName;
        this.remoteStackTrace = remoteStackTrace;
    }

    /** The class name of the exception the task threw. */
    public String remoteClassName() {
        return remoteClassName;
    }

    /** The stack trace printed in the worker process. */
    public String remoteStackTrace() {
        return remoteStackTrace;
    }

    @Override
    public String toString() {
        return getMessage() + System.lineSeparator() + "--- remote stack trace ---" + System.lineSeparator() + remoteStackTrace;
    }
}
