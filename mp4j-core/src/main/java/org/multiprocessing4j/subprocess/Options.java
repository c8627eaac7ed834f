package org.multiprocessing4j.subprocess;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How to run a command: CPython's keyword arguments of {@code subprocess.run} and {@code Popen}
 * ({@code stdin}, {@code stdout}, {@code stderr}, {@code input}, {@code capture_output},
 * {@code timeout}, {@code check}, {@code cwd}, {@code env}, {@code text}/{@code encoding}).
 * Immutable: every method returns a changed copy.
 *
 * <pre>{@code
 * Options o = Options.defaults().captureOutput().text().timeout(Duration.ofSeconds(5)).check();
 * }</pre>
 */
public final class Options {
    private static final Options DEFAULTS = new Options(Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT, null, false,
            null, false, null, null, Map.of(), null);

    final Redirect stdin;
    final Redirect stdout;
    final Redirect stderr;
    final byte[] input;
    final boolean captureOutput;
    final Duration timeout;
    final boolean check;
    final Path cwd;
    final Map<String, String> env;
    final Map<String, String> extraEnv;
    final Charset text;

    private Options(Redirect stdin, Redirect stdout, Redirect stderr, byte[] input, boolean captureOutput, Duration timeout,
            boolean check, Path cwd, Map<String, String> env, Map<String, String> extraEnv, Charset text) {
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.input = input;
        this.captureOutput = captureOutput;
        this.timeout = timeout;
        this.check = check;
        this.cwd = cwd;
        this.env = env;
        this.extraEnv = extraEnv;
        this.text = text;
    }

    /** Every stream inherited, no timeout, no check, this process's directory and environment. */
    public static Options defaults() {
        return DEFAULTS;
    }

    private Options with(Redirect in, Redirect out, Redirect err, byte[] input, boolean capture, Duration timeout, boolean check,
            Path cwd, Map<String, String> env, Map<String, String> extraEnv, Charset text) {
        return new Options(in, out, err, input, capture, timeout, check, cwd, env, extraEnv, text);
    }

    /** Where stdin comes from ({@link Redirect#STDOUT} is not allowed here). */
    public Options stdin(Redirect r) {
        if (Objects.requireNonNull(r, "stdin") == Redirect.STDOUT) {
            throw new IllegalArgumentException("STDOUT is a target for stderr only");
        }
        if (input != null) {
            throw new IllegalArgumentException("stdin and input arguments may not both be used");
        }
        return with(r, stdout, stderr, input, captureOutput, timeout, check, cwd, env, extraEnv, text);
    }

    /** Where stdout goes ({@link Redirect#STDOUT} is not allowed here). */
    public Options stdout(Redirect r) {
        if (Objects.requireNonNull(r, "stdout") == Redirect.STDOUT) {
            throw new IllegalArgumentException("STDOUT is a target for stderr only");
        }
        noCapture("stdout");
        return with(stdin, r, stderr, input, captureOutput, timeout, check, cwd, env, extraEnv, text);
    }

    /** Where stderr goes; {@link Redirect#STDOUT} merges it into stdout. */
    public Options stderr(Redirect r) {
        noCapture("stderr");
        return with(stdin, stdout, Objects.requireNonNull(r, "stderr"), input, captureOutput, timeout, check, cwd, env, extraEnv, text);
    }

    /** Pipe stdout and stderr and keep what the child writes (CPython: {@code capture_output=True}). */
    public Options captureOutput() {
        if (stdout != Redirect.INHERIT || stderr != Redirect.INHERIT) {
            throw new IllegalArgumentException("stdout and stderr arguments may not be used with capture_output");
        }
        return with(stdin, Redirect.PIPE, Redirect.PIPE, input, true, timeout, check, cwd, env, extraEnv, text);
    }

    /** Bytes to feed to the child's stdin, which becomes a pipe (CPython: {@code input=}). */
    public Options input(byte[] bytes) {
        if (stdin != Redirect.INHERIT && input == null) {
            throw new IllegalArgumentException("stdin and input arguments may not both be used");
        }
        return with(Redirect.PIPE, stdout, stderr, Objects.requireNonNull(bytes, "input").clone(), captureOutput, timeout, check,
                cwd, env, extraEnv, text);
    }

    /** Text to feed to the child's stdin, encoded with the text charset (UTF-8 unless {@link #text(Charset)}). */
    public Options input(String text) {
        return input(Objects.requireNonNull(text, "input").getBytes(charset()));
    }

    /** How long {@link Subprocess#run} may take; then the child and its descendants are killed (CPython: {@code timeout=}). */
    public Options timeout(Duration d) {
        if (Objects.requireNonNull(d, "timeout").isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + d);
        }
        return with(stdin, stdout, stderr, input, captureOutput, d, check, cwd, env, extraEnv, text);
    }

    /** A non-zero return code throws {@link CalledProcessError} (CPython: {@code check=True}). */
    public Options check() {
        return with(stdin, stdout, stderr, input, captureOutput, timeout, true, cwd, env, extraEnv, text);
    }

    /** The child's working directory (CPython: {@code cwd=}); checked before anything starts. */
    public Options cwd(Path dir) {
        return with(stdin, stdout, stderr, input, captureOutput, timeout, check, Objects.requireNonNull(dir, "cwd"), env, extraEnv, text);
    }

    /** The child's whole environment instead of this process's (CPython: {@code env=}). */
    public Options env(Map<String, String> environment) {
        return with(stdin, stdout, stderr, input, captureOutput, timeout, check, cwd, Map.copyOf(environment), Map.of(), text);
    }

    /** One variable added to (or replaced in) the child's environment. */
    public Options putEnv(String name, String value) {
        Map<String, String> extra = new LinkedHashMap<>(extraEnv);
        extra.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return with(stdin, stdout, stderr, input, captureOutput, timeout, check, cwd, env, Map.copyOf(extra), text);
    }

    /** Text mode in UTF-8: {@code input(String)} and the {@code *Text()} accessors use it (CPython: {@code text=True}). */
    public Options text() {
        return text(StandardCharsets.UTF_8);
    }

    /** Text mode with {@code charset} (CPython: {@code encoding=}). */
    public Options text(Charset charset) {
        return with(stdin, stdout, stderr, input, captureOutput, timeout, check, cwd, env, extraEnv,
                Objects.requireNonNull(charset, "charset"));
    }

    private void noCapture(String which) {
        if (captureOutput) {
            throw new IllegalArgumentException(which + " argument may not be used with capture_output");
        }
    }

    /** The charset of text mode, UTF-8 by default. */
    public Charset charset() {
        return text != null ? text : StandardCharsets.UTF_8;
    }

    @Override
    public String toString() {
        return "Options[stdin=" + stdin + ", stdout=" + stdout + ", stderr=" + stderr + (input != null ? ", input=" + input.length + " bytes" : "")
                + (timeout != null ? ", timeout=" + timeout : "") + (check ? ", check" : "") + (cwd != null ? ", cwd=" + cwd : "") + "]";
    }
}
