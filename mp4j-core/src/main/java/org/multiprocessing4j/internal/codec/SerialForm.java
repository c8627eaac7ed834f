package org.multiprocessing4j.internal.codec;

/**
 * An invocation handler of a {@link java.lang.reflect.Proxy} that can stand for its proxy in
 * {@link BootstrapFormat}: the proxy is written as {@link #serialForm()} (a manager proxy as its
 * reference, for instance), whose {@code readResolve} builds the proxy again on the other side.
 */
public interface SerialForm {
    /** The object written in place of the proxy; its class must be on the allow-list. */
    Object serialForm();
}
