package org.multiprocessing4j.subprocess;

import java.io.Serial;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.List;

/**
 * A timeout passed while waiting for a child: CPython's {@code subprocess.TimeoutExpired}.
 * From {@link Subprocess#run}, the child and its descendants have been killed and what they wrote
 * so far is in {@link #output()} and {@link #stderr()}. From {@link Popen#communicate} and
 * {@link Popen#waitFor(Duration)}, the child runs on: call {@code communicate} again to go on
 * reading (nothing read so far is lost), or kill it.
 */
public final class TimeoutExpired extends SubprocessError {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    TimeoutExpired(List<String> cmd, Duration timeout, byte[] output, byte[] stderr, Charset charset) {
        super("Command " + cmd + " timed out after " + timeout.toMillis() / 1000.0 + " seconds", cmd, output, stderr, charset);
        this.timeout = timeout;
    }

    /** The timeout that passed. */
    public Duration timeout() {
        return timeout;
    }
}
