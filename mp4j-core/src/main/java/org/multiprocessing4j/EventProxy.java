package org.multiprocessing4j;

import java.time.Duration;

/** A proxy of an event held by a manager ({@link Manager#event()}): CPython's {@code EventProxy}. */
public interface EventProxy {
    /** True when the flag is set. */
    boolean isSet();

    /** Sets the flag and wakes every waiter. */
    void set();

    /** Clears the flag. */
    void clear();

    /** Waits until the flag is set. */
    void await() throws InterruptedException;

    /** Waits at most {@code timeout} for the flag; returns it. */
    boolean await(Duration timeout) throws InterruptedException;
}
