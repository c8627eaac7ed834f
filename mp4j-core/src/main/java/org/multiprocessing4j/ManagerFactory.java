package org.multiprocessing4j;

import java.io.Serializable;

/**
 * Makes the object that a {@link BaseManager} typeid stands for, on the server, each time a
 * client asks for one ({@link BaseManager#create}); the arguments are the client's. CPython's
 * {@code callable} of {@code BaseManager.register}. Returning the same object every time shares
 * it ({@code () -> taskQueue}, the source texts' distributed queue).
 *
 * <p>Serializable so that {@link BaseManager#start()} can ship it to the server process; a
 * server run with {@link BaseManager#serveForever()} calls it where it was made.
 */
@FunctionalInterface
public interface ManagerFactory<T> extends Serializable {
    /** Makes (or finds) the object for one {@code create} call. An exception reaches the client. */
    T create(Object... args) throws Exception;
}
