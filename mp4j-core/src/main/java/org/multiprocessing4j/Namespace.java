package org.multiprocessing4j;

import java.util.Map;

/**
 * A proxy of a namespace held by a manager ({@link Manager#namespace()}): CPython's
 * {@code Namespace} ({@code ns.x = 1} is {@code ns.set("x", 1)} here).
 */
public interface Namespace {
    /**
     * The attribute's value.
     *
     * @throws java.util.NoSuchElementException when there is no such attribute (CPython's AttributeError)
     */
    Object get(String name);

    /** Sets an attribute. */
    void set(String name, Object value);

    /** True when the attribute exists. */
    boolean has(String name);

    /** Removes an attribute; false when there was none. */
    boolean delete(String name);

    /** A copy of all attributes, in the order they were first set. */
    Map<String, Object> asMap();

    /**
     * Applies {@code update} to the attribute on the server, atomically (null when it is absent),
     * stores and returns the result.
     */
    Object updateAndGet(String name, Task1<Object, Object> update);
}
