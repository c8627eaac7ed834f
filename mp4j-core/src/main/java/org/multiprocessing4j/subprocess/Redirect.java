package org.multiprocessing4j.subprocess;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a child's standard stream goes: CPython's {@code subprocess.PIPE}, {@code DEVNULL},
 * {@code STDOUT}, a file, or (the default, CPython's {@code None}) this process's own stream.
 */
public sealed interface Redirect {
    /** A pipe to this process: read it from {@link Popen#stdout()} or get it from {@code communicate}. */
    Redirect PIPE = Special.PIPE;
    /** The null device. */
    Redirect DEVNULL = Special.DEVNULL;
    /** This process's own stream (the default). */
    Redirect INHERIT = Special.INHERIT;
    /** For stderr only: the same place as stdout. */
    Redirect STDOUT = Special.STDOUT;

    /** A file: read for stdin, truncated and written for stdout and stderr. */
    static Redirect file(Path path) {
        return new ToFile(Objects.requireNonNull(path, "path"), false);
    }

    /** A file appended to (stdout and stderr only). */
    static Redirect appendTo(Path path) {
        return new ToFile(Objects.requireNonNull(path, "path"), true);
    }

    /** The constants. */
    enum Special implements Redirect { PIPE, DEVNULL, INHERIT, STDOUT }

    /** A file. */
    record ToFile(Path path, boolean append) implements Redirect {}
}
