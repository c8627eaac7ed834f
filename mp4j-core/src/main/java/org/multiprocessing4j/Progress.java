package org.multiprocessing4j;

import java.io.PrintStream;

/**
 * Told how far a map job has come: {@code update(done, total)} in items, on the pool's callback
 * thread, after each completed chunk (C#'s {@code IProgress<T>}). {@link #bar()} draws a progress
 * bar on a terminal.
 */
@FunctionalInterface
public interface Progress {
    /** {@code done} of {@code total} items have their results. */
    void update(long done, long total);

    /**
     * A text progress bar on {@link System#err}, redrawn in place, when this JVM is attached to
     * a terminal ({@link System#console()} present); nothing otherwise (logs and pipes stay
     * clean).
     */
    static Progress bar() {
        return System.console() == null ? (done, total) -> { } : bar(System.err, 40);
    }

    /** A text progress bar of {@code width} characters on {@code out}, redrawn in place with a carriage return. */
    static Progress bar(PrintStream out, int width) {
        return (done, total) -> {
            int filled = total == 0 ? width : (int) (width * done / total);
            out.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total);
            if (done == total) {
                out.println();
            }
            out.flush();
        };
    }
}
