package org.multiprocessing4j;

import java.util.Locale;

/**
 * How a {@link Context} starts processes (CPython's start methods, for the JVM).
 *
 * <table class="striped">
 * <caption>Start methods</caption>
 * <tr><th>method</th><th>what runs where</th><th>CPython counterpart</th></tr>
 * <tr><td>{@link #SPAWN}</td><td>a fresh child JVM for each process</td><td>{@code spawn}</td></tr>
 * <tr><td>{@link #WARM}</td><td>a pre-started idle child JVM taken from a reserve that refills in
 *     the background; still one fresh JVM per process</td><td>{@code forkserver}</td></tr>
 * <tr><td>{@link #THREAD}</td><td>a thread of this JVM; targets and arguments are still copied
 *     through the codec, so code behaves as it would in a child</td>
 *     <td>{@code multiprocessing.dummy}</td></tr>
 * </table>
 */
public enum StartMethod {
    /** A fresh child JVM per process. The default. */
    SPAWN,
    /** A pre-started child JVM per process, taken from a reserve. */
    WARM,
    /** A thread in this JVM. */
    THREAD;

    /** The lower-case name used by {@link Multiprocessing#context(String)}: spawn, warm, thread. */
    public String methodName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The start method with this name (spawn, warm or thread, any case).
     *
     * @throws IllegalArgumentException naming the valid methods
     */
    public static StartMethod of(String name) {
        if (name != null) {
            for (StartMethod m : values()) {
                if (m.methodName().equalsIgnoreCase(name.trim())) {
                    return m;
                }
            }
        }
        throw new IllegalArgumentException("cannot find context for start method " + (name == null ? "null" : "'" + name + "'")
                + "; valid start methods are: spawn, warm, thread");
    }
}
