package org.multiprocessing4j.subprocess;

import java.nio.charset.Charset;
import java.util.List;

/**
 * A child that ended, as {@link Subprocess#run} returns it: CPython's
 * {@code subprocess.CompletedProcess(args, returncode, stdout, stderr)}.
 *
 * @param args the command
 * @param returncode 0 for success; negative when this library's timeout, kill or terminate
 *     ended it by a signal (CPython's convention), else the exit status
 * @param stdout what the child wrote to stdout when it was {@link Redirect#PIPE}d, else null
 * @param stderr the same for stderr
 * @param charset how {@link #stdoutText()} and {@link #stderrText()} decode (the run's text
 *     charset, UTF-8 by default)
 */
public record CompletedProcess(List<String> args, int returncode, byte[] stdout, byte[] stderr, Charset charset) {
    public CompletedProcess {
        args = List.copyOf(args);
    }

    /** stdout decoded, or null when it was not captured. */
    public String stdoutText() {
        return stdout == null ? null : new String(stdout, charset);
    }

    /** stderr decoded, or null when it was not captured. */
    public String stderrText() {
        return stderr == null ? null : new String(stderr, charset);
    }

    /**
     * Throws when the return code is not 0 (CPython: {@code check_returncode()}).
     *
     * @throws CalledProcessError with the return code, the command and the captured output
     * @return this, for chaining
     */
    public CompletedProcess checkReturncode() {
        if (returncode != 0) {
            throw new CalledProcessError(returncode, args, stdout, stderr, charset);
        }
        return this;
    }

    /** CPython's form: {@code CompletedProcess(args=[ls, -al], returncode=0, stdout=..., stderr=...)}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CompletedProcess(args=").append(args).append(", returncode=").append(returncode);
        if (stdout != null) {
            sb.append(", stdout=").append(stdout.length).append(" bytes");
        }
        if (stderr != null) {
            sb.append(", stderr=").append(stderr.length).append(" bytes");
        }
        return sb.append(')').toString();
    }
}
