package org.multiprocessing4j;

import java.net.SocketAddress;

/**
 * What every proxy of a manager's object implements beside its own interface: CPython's
 * {@code BaseProxy}. Cast any proxy to it.
 *
 * <p>A proxy forwards each call of its interface to the server, where the object lives, and
 * returns a copy of the result. It can be passed to child processes and pool workers, put into
 * other managed objects and sent to other clients: it stays a proxy of the same object (and
 * keeps the authkey, unlike CPython, gh-139801). The object lives while any proxy of it, in any
 * process, is reachable; proxies of a process that dies are released by the server.
 */
public interface ManagerProxy {
    /** The typeid the object was made under ({@code "dict"}, {@code "Queue"}, or a registered one). */
    String typeid();

    /** The object's id on its server. */
    long objectId();

    /** The address of the server that holds the object. */
    SocketAddress managerAddress();

    /**
     * A copy of the object itself, made on the server and serialised here (CPython's
     * {@code _getvalue()}); its class must be allowed on both sides.
     */
    Object copyValue();
}
