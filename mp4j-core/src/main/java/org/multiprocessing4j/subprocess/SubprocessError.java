package org.multiprocessing4j.subprocess;

import java.io.Serial;
import java.nio.charset.Charset;
import java.util.List;

/** The base of this package's errors about a child's outcome: CPython's {@code subprocess.SubprocessError}. */
public class SubprocessError extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final List<String> cmd;
    private final transient byte[] output;
    private final transient byte[] stderr;
    private final transient Charset charset;

    SubprocessError(String message, List<String> cmd, byte[] output, byte[] stderr, Charset charset) {
        super(message);
        this.cmd = List.copyOf(cmd);
        this.output = output;
        this.stderr = stderr;
        this.charset = charset;
    }

    /** The command (CPython: {@code cmd}). */
    public List<String> cmd() {
        return cmd;
    }

    /** What the child wrote to stdout, when captured (CPython: {@code output}/{@code stdout}); null otherwise. */
    public byte[] output() {
        return output;
    }

    /** What the child wrote to stderr, when captured; null otherwise. */
    public byte[] stderr() {
        return stderr;
    }

    /** {@link #output()} decoded (the run's text charset, else UTF-8); null when not captured. */
    public String outputText() {
        return output == null ? null : new String(output, charset);
    }

    /** {@link #stderr()} decoded; null when not captured. */
    public String stderrText() {
        return stderr == null ? null : new String(stderr, charset);
    }
}
