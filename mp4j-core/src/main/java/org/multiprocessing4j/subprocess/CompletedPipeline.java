package org.multiprocessing4j.subprocess;

import java.nio.charset.Charset;
import java.util.List;

/**
 * A pipeline that ended ({@link Subprocess#pipeline}): each command's return code, the last
 * command's stdout and each command's stderr when they were pipes.
 *
 * @param commands the commands, in order
 * @param returncodes their return codes, in order (negative: killed by this library with that signal)
 * @param stdout the last command's stdout when it was {@link Redirect#PIPE}d, else null
 * @param stderrs each command's stderr when stderr was {@link Redirect#PIPE}d, else null
 * @param charset how the {@code *Text()} accessors decode
 */
public record CompletedPipeline(List<List<String>> commands, List<Integer> returncodes, byte[] stdout, List<byte[]> stderrs,
        Charset charset) {
    public CompletedPipeline {
        commands = List.copyOf(commands);
        returncodes = List.copyOf(returncodes);
        stderrs = stderrs == null ? null : List.copyOf(stderrs);
    }

    /** The return code of the last command, as a shell reports a pipeline's status. */
    public int returncode() {
        return returncodes.get(returncodes.size() - 1);
    }

    /** The last command's stdout decoded, or null. */
    public String stdoutText() {
        return stdout == null ? null : new String(stdout, charset);
    }

    /**
     * Throws for the first command with a non-zero return code (bash's {@code pipefail}).
     *
     * @throws CalledProcessError naming that command, with its stderr when captured
     * @return this
     */
    public CompletedPipeline checkReturncodes() {
        for (int i = 0; i < returncodes.size(); i++) {
            if (returncodes.get(i) != 0) {
                throw new CalledProcessError(returncodes.get(i), commands.get(i), i == returncodes.size() - 1 ? stdout : null,
                        stderrs == null ? null : stderrs.get(i), charset);
            }
        }
        return this;
    }
}
