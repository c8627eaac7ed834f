package org.multiprocessing4j;

import java.util.Optional;

/**
 * An object could not be turned into bytes to cross a process boundary, or bytes could not be
 * turned back into an object.
 *
 * <p>Thrown in the caller, at the call that hands the object over ({@link Process#start()} for a
 * target and its arguments), never later in a child: nothing has been started or sent when it is
 * thrown. The message names the offending class; {@link #offendingClass()} gives its name.
 *
 * <p>The usual cause is a class that is not on the allow-list. Register it with
 * {@link Context#register(Class[])} (or {@link Multiprocessing#register(Class[])} for the shared
 * contexts) before first use. Classes of the JDK's common value and collection types are allowed
 * without registration.
 *
 * <p>CPython counterpart: {@code pickle.PicklingError} / {@code pickle.UnpicklingError}.
 */
public class SerializationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String offendingClass;

    /**
     * @param message what happened
     * @param offendingClass the fully qualified name of the class that could not be handled, or
     *     {@code null} when it is not known
     * @param cause the codec's own exception
     */
    public SerializationException(String message, String offendingClass, Throwable cause) {
        super(message, cause);
        this.offendingClass = offendingClass;
    }

    /** The fully qualified name of the class that could not be serialised, when known. */
    public Optional<String> offendingClass() {
        return Optional.ofNullable(offendingClass);
    }
}
