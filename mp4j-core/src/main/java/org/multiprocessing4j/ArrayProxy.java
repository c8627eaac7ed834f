package org.multiprocessing4j;

import java.util.List;

/**
 * A proxy of a fixed-length array held by a manager ({@link Manager#array(char, int)}):
 * CPython's {@code ArrayProxy}. Elements are numbers of the array's type code ({@code 'i'} int,
 * {@code 'l'} long, {@code 'd'} double ...); {@link #set} converts as {@link Value} does.
 */
public interface ArrayProxy {
    /** The number of elements. */
    int length();

    /** Element {@code index}. */
    Number get(int index);

    /** Replaces element {@code index}. */
    void set(int index, Number value);

    /** A copy of all elements. */
    List<Number> toList();

    /** Adds {@code delta} to element {@code index} atomically on the server; returns the new value. */
    Number addAndGet(int index, Number delta);
}
