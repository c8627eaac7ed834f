package org.multiprocessing4j.subprocess;

import java.io.Serial;
import java.nio.charset.Charset;
import java.util.List;

/**
 * A child ended with a non-zero return code where success was required
 * ({@link Options#check()}, {@link CompletedProcess#checkReturncode()}): CPython's
 * {@code subprocess.CalledProcessError}.
 */
public final class CalledProcessError extends SubprocessError {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int returncode;

    CalledProcessError(int returncode, List<String> cmd, byte[] output, byte[] stderr, Charset charset) {
        super("Command " + cmd + " returned non-zero exit status " + returncode
                + (returncode < 0 ? " (died with signal " + (-returncode) + ")" : "") + ".", cmd, output, stderr, charset);
        this.returncode = returncode;
    }

    /** The return code (negative: killed by that signal). */
    public int returncode() {
        return returncode;
    }
}
