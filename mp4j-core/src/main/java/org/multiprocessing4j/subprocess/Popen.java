package org.multiprocessing4j.subprocess;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An external program running in a child process: CPython's {@code subprocess.Popen}. On Linux
 * the child is started with {@code posix_spawnp} (one exec; see {@code SpawnedProcess}), elsewhere,
 * or with {@code -Dmp4j.subprocess.jdkLaunch=true}, with {@link ProcessBuilder}.
 *
 * <pre>{@code
 * try (Popen p = Popen.start(List.of("python3"), Options.defaults()
 *         .stdin(Redirect.PIPE).stdout(Redirect.PIPE).stderr(Redirect.PIPE))) {
 *     Popen.Output out = p.communicate("print('hello')".getBytes(), Duration.ofSeconds(3));
 *     System.out.println(new String(out.stdout()));
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link #communicate} feeds stdin, drains stdout and stderr at the same time (no deadlock
 *       however much the child writes), and waits for the end. Without input to feed, the calling
 *       thread reads both pipes itself with {@code poll}, as CPython does; with input, pool threads
 *       feed and drain. After a {@link TimeoutExpired} the
 *       child runs on and nothing read is lost: call it again, or {@link #kill()}.
 *   <li>{@link #poll()}, {@link #waitFor()}, {@link #waitFor(Duration)}, {@link #returncode()}: the
 *       return code is minus the signal number when a signal ended the child (CPython's
 *       convention). With the {@link ProcessBuilder} launcher, which cannot tell a signal from an
 *       exit status of 128 + n, only the signals this object sent read as negative.
 *   <li>{@link #close()} (try-with-resources) closes stdin and waits for the child, as CPython's
 *       {@code with Popen(...)} does.
 * </ul>
 * Thread-safety: {@code communicate} by one thread at a time; the rest from any thread.
 */
public final class Popen implements AutoCloseable {
    private final List<String> args;
    private final Process process;
    private final Charset charset;
    private final boolean pipeIn;
    private final boolean pipeOut;
    private final boolean pipeErr;
    /** The signal this object sent last (0: none). */
    private volatile int signalled;
    // communicate state, started on its first call; guarded by this
    private Streams.Drain outDrain;
    private Streams.Drain errDrain;
    private Future<?> feeder;
    /** Set instead of the drains when this thread reads stdout and stderr itself (posix_spawnp launcher, no input). */
    private ChildPipes collecting;

    private Popen(List<String> args, Process process, Options o) {
        this.args = args;
        this.process = process;
        this.charset = o.charset();
        this.pipeIn = o.stdin == Redirect.PIPE;
        this.pipeOut = o.stdout == Redirect.PIPE;
        this.pipeErr = o.stderr == Redirect.PIPE;
    }

    /**
     * Starts {@code args} (the program, found on the PATH, and its arguments) as {@code options}
     * say ({@link Options#input} and {@link Options#timeout} are for {@link Subprocess#run}).
     *
     * @throws IllegalArgumentException empty arguments, or a working directory that is not a
     *     readable directory; nothing started
     * @throws NullPointerException a null argument, naming its index
     * @throws NoSuchFileException the program does not exist
     * @throws IOException the program could not be started otherwise
     */
    public static Popen start(List<String> args, Options options) throws IOException {
        return start(args, options, true);
    }

    /** {@code reapInBackground} false: the caller promises to wait for the child (Subprocess.run). */
    static Popen start(List<String> args, Options options, boolean reapInBackground) throws IOException {
        List<String> cmd = checkArgs(args);
        Objects.requireNonNull(options, "options");
        if (SpawnedProcess.available()) {
            check(options);
            try {
                return new Popen(cmd, SpawnedProcess.start(cmd, options, environment(options), reapInBackground), options);
            } catch (IOException e) {
                throw launchError(cmd.get(0), e);
            }
        }
        return new Popen(cmd, builder(cmd, options).start0(cmd), options);
    }

    static List<String> checkArgs(List<String> args) {
        Objects.requireNonNull(args, "args");
        if (args.isEmpty()) {
            throw new IllegalArgumentException("empty argument list: give at least the program to run");
        }
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i) == null) {
                throw new NullPointerException("argument " + i + " is null in " + args);
            }
        }
        if (args.get(0).isEmpty()) {
            throw new IllegalArgumentException("the program name is empty");
        }
        return List.copyOf(args);
    }

    /**
     * Checks what can be checked before anything starts: the working directory and a stdin
     * file.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static void check(Options o) {
        if (o.cwd != null) {
            if (!Files.isDirectory(o.cwd)) {
                throw new IllegalArgumentException("cwd is not a directory: " + o.cwd);
            }
            if (!Files.isReadable(o.cwd) || !Files.isExecutable(o.cwd)) {
                throw new IllegalArgumentException("cwd is not readable and searchable: " + o.cwd);
            }
        }
        if (o.stdin instanceof Redirect.ToFile f && !Files.isReadable(f.path())) {
            throw new IllegalArgumentException("stdin file is not a readable file: " + f.path());
        }
    }

    /** The child's environment when the options change it, else null (it inherits this process's). */
    static java.util.Map<String, String> environment(Options o) {
        if (o.env == null && o.extraEnv.isEmpty()) {
            return null;
        }
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>(o.env != null ? o.env : System.getenv());
        env.putAll(o.extraEnv);
        return env;
    }

    /** The configured JDK builder (checked): cwd, redirects, environment. */
    static Starter builder(List<String> cmd, Options o) {
        check(o);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (o.cwd != null) {
            pb.directory(o.cwd.toFile());
        }
        java.util.Map<String, String> env = environment(o);
        if (env != null) {
            pb.environment().clear();
            pb.environment().putAll(env);
        }
        pb.redirectInput(input(o.stdin));
        pb.redirectOutput(output(o.stdout));
        if (o.stderr == Redirect.STDOUT) {
            pb.redirectErrorStream(true);
        } else {
            pb.redirectError(output(o.stderr));
        }
        return new Starter(pb);
    }

    private static ProcessBuilder.Redirect input(Redirect r) {
        return switch (r) {
            case Redirect.Special s when s == Redirect.Special.PIPE -> ProcessBuilder.Redirect.PIPE;
            case Redirect.Special s when s == Redirect.Special.DEVNULL -> ProcessBuilder.Redirect.from(new File("/dev/null"));
            case Redirect.Special s -> ProcessBuilder.Redirect.INHERIT;
            case Redirect.ToFile f -> ProcessBuilder.Redirect.from(f.path().toFile());
        };
    }

    private static ProcessBuilder.Redirect output(Redirect r) {
        return switch (r) {
            case Redirect.Special s when s == Redirect.Special.PIPE -> ProcessBuilder.Redirect.PIPE;
            case Redirect.Special s when s == Redirect.Special.DEVNULL -> ProcessBuilder.Redirect.DISCARD;
            case Redirect.Special s -> ProcessBuilder.Redirect.INHERIT;
            case Redirect.ToFile f -> f.append() ? ProcessBuilder.Redirect.appendTo(f.path().toFile())
                    : ProcessBuilder.Redirect.to(f.path().toFile());
        };
    }

    /** A checked builder that turns start failures into clear errors. */
    record Starter(ProcessBuilder builder) {
        Process start0(List<String> cmd) throws IOException {
            try {
                return builder.start();
            } catch (IOException e) {
                throw launchError(cmd.get(0), e);
            }
        }
    }

    static IOException launchError(String program, IOException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("error=2,") || m.contains("error: 2 (")) {
            NoSuchFileException x = new NoSuchFileException(program, null,
                    "no such program (not a file, nor on PATH=" + System.getenv("PATH") + ")");
            x.initCause(e);
            return x;
        }
        if (m.contains("error=13,") || m.contains("error: 13 (")) {
            AccessDeniedException x = new AccessDeniedException(program, null, "not executable");
            x.initCause(e);
            return x;
        }
        return e;
    }

    /** Lets a pool thread collect the child's exit status (when nobody will wait for it here). */
    void reapLater() {
        if (process instanceof SpawnedProcess sp) {
            sp.reapInBackground();
        }
    }

    static Popen of(List<String> cmd, Process process, Options o) {
        return new Popen(cmd, process, o);
    }

    /** The command (CPython: {@code args}). */
    public List<String> args() {
        return args;
    }

    /** The child's process id (CPython: {@code pid}). */
    public long pid() {
        return process.pid();
    }

    /** The child's stdin when it is a {@link Redirect#PIPE}, else null (CPython: {@code stdin}). */
    public OutputStream stdin() {
        return pipeIn ? process.getOutputStream() : null;
    }

    /** The child's stdout when it is a {@link Redirect#PIPE}, else null. Do not mix with {@link #communicate}. */
    public InputStream stdout() {
        return pipeOut ? process.getInputStream() : null;
    }

    /** The child's stderr when it is a {@link Redirect#PIPE}, else null. Do not mix with {@link #communicate}. */
    public InputStream stderr() {
        return pipeErr ? process.getErrorStream() : null;
    }

    /** What {@link #communicate} collected: null for a stream that was not a pipe. */
    public record Output(byte[] stdout, byte[] stderr) {}

    /** {@link #communicate(byte[], Duration)} with no input and no timeout. */
    public Output communicate() throws InterruptedException {
        return communicate(null, null);
    }

    /**
     * Sends {@code input} (null: none) to stdin and closes it, reads stdout and stderr to their
     * end, and waits for the child to exit, at most {@code timeout} (null: no limit).
     * Input is sent on the first call only.
     *
     * @throws TimeoutExpired when the timeout passes; the child runs on, what was read so far is
     *     in the exception and stays for the next call
     * @throws IllegalStateException input given while stdin is not a pipe
     */
    public synchronized Output communicate(byte[] input, Duration timeout) throws InterruptedException {
        if (input != null && !pipeIn) {
            throw new IllegalStateException("input given but stdin is not a PIPE: " + args);
        }
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        if (feeder == null && outDrain == null && errDrain == null && collecting == null) {
            ChildPipes direct = input == null && process instanceof SpawnedProcess sp ? sp.pipesForCollect() : null;
            if (direct != null) {
                // CPython's way: this thread polls both pipes; no thread per pipe to hand results over
                if (pipeIn) {
                    closeQuietly(process.getOutputStream());
                }
                collecting = direct;
            } else {
                startThreads(input, timeout);
            }
        }
        try {
            if (collecting != null) {
                if (!collecting.collect(deadline)) {
                    throw new TimeoutException();
                }
            } else {
                await(feeder, deadline);
                await(outDrain == null ? null : outDrain.done(), deadline);
                await(errDrain == null ? null : errDrain.done(), deadline);
            }
            long left = deadline - System.nanoTime();
            if (deadline == Long.MAX_VALUE) {
                process.waitFor();
            } else if (left <= 0 || !process.waitFor(left, TimeUnit.NANOSECONDS)) {
                throw new TimeoutException();
            }
        } catch (TimeoutException e) {
            throw new TimeoutExpired(args, timeout, stdoutSoFar(), stderrSoFar(), charset);
        }
        return new Output(stdoutSoFar(), stderrSoFar());
    }

    /** Starts the threads that feed stdin and drain stdout and stderr (guarded by this). */
    private void startThreads(byte[] input, Duration timeout) {
        if (pipeIn) {
            feeder = Streams.feed(process.getOutputStream(), input);
        }
        if (pipeErr) {
            errDrain = new Streams.Drain(process.getErrorStream());
        }
        if (pipeOut) {
            // without a timeout the calling thread can read stdout itself (one thread hand-off less)
            outDrain = new Streams.Drain(process.getInputStream(), timeout == null);
        }
        if (!pipeIn && !pipeOut && !pipeErr) {
            feeder = java.util.concurrent.CompletableFuture.completedFuture(null);
        }
    }

    private byte[] stdoutSoFar() {
        return collecting != null ? collecting.collected(ChildPipes.STDOUT) : outDrain == null ? null : outDrain.snapshot();
    }

    private byte[] stderrSoFar() {
        return collecting != null ? collecting.collected(ChildPipes.STDERR) : errDrain == null ? null : errDrain.snapshot();
    }

    /** Closes the pipes {@link #communicate} still reads in this thread (a run that gives up on them). */
    synchronized void closeCollectedPipes() {
        if (collecting != null) {
            collecting.close();
        }
    }

    private static void await(Future<?> f, long deadline) throws InterruptedException, TimeoutException {
        if (f == null) {
            return;
        }
        try {
            if (deadline == Long.MAX_VALUE) {
                f.get();
            } else {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("stream copy failed", e.getCause());
        }
    }

    /** The return code if the child has ended, else empty (CPython: {@code poll()}). */
    public OptionalInt poll() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(code(process.exitValue()));
    }

    /** The return code once known (CPython: {@code returncode}); empty while the child runs. */
    public OptionalInt returncode() {
        return poll();
    }

    /** Waits for the child to end and returns its return code (CPython: {@code wait()}). */
    public int waitFor() throws InterruptedException {
        return code(process.waitFor());
    }

    /**
     * Waits at most {@code timeout} (CPython: {@code wait(timeout)}).
     *
     * @throws TimeoutExpired when it is still running; it runs on
     */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new TimeoutExpired(args, timeout, null, null, charset);
        }
        return code(process.exitValue());
    }

    private int code(int exit) {
        if (process instanceof SpawnedProcess sp) {
            int sig = sp.signal(); // known exactly: waitpid's status
            return sig != 0 ? -sig : exit;
        }
        int s = signalled;
        return s != 0 && exit == 128 + s ? -s : exit;
    }

    /** Sends SIGTERM (CPython: {@code terminate()}). */
    public void terminate() {
        if (process.isAlive()) {
            signalled = 15;
            process.destroy();
        }
    }

    /** Sends SIGKILL to the child (CPython: {@code kill()}); its own children are left alone, as in CPython. */
    public void kill() {
        if (process.isAlive()) {
            signalled = 9;
            process.destroyForcibly();
        }
    }

    /**
     * Sends SIGKILL to the child and every process descended from it (found through
     * {@code /proc} before the kill, and again until none is left). A process that detached from
     * the tree (a daemon that double-forked) is out of reach, as for any parent.
     */
    public void killTree() {
        signalled = 9;
        if (process.isAlive()) {
            ProcessHandle.of(process.pid()).ifPresent(Popen::killTree);
        }
    }

    static void killTree(ProcessHandle root) {
        for (int round = 0; round < 5; round++) {
            List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
            if (round > 0 && tree.isEmpty() && !root.isAlive()) {
                return;
            }
            root.destroyForcibly(); // first the root, so that it starts no more children
            tree.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle h : tree) {
                try {
                    h.onExit().get(1, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // a zombie whose parent does not reap it counts as gone: it runs nothing
                }
            }
        }
    }

    /**
     * Closes the child's pipes, then waits for the child (CPython: leaving {@code with
     * Popen(...)}). A child still writing to a closed pipe gets a broken pipe, as it would under
     * CPython. Pipes that an unfinished {@link #communicate} drains on pool threads (with input to
     * feed, or where {@code posix_spawnp} is not used) are left to those threads, which read them
     * to their end. If the calling thread is interrupted while it
     * waits, the child and its descendants are killed and the interrupt is kept.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (process instanceof SpawnedProcess sp) {
                // the pipes no stream was made of, those an in-thread communicate reads among them
                // (as CPython closes stdout and stderr on leaving `with`); no stream opened only to be closed
                sp.closeUntakenPipes();
            }
            if (pipeIn && feeder == null) {
                closeQuietly(process.getOutputStream());
            }
            if (pipeOut && outDrain == null) {
                closeQuietly(process.getInputStream());
            }
            if (pipeErr && errDrain == null) {
                closeQuietly(process.getErrorStream());
            }
        }
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            killTree();
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already closed or broken
        }
    }

    @Override
    public String toString() {
        OptionalInt rc = poll();
        return "Popen(args=" + args + ", pid=" + pid() + ", returncode=" + (rc.isPresent() ? rc.getAsInt() : "None") + ")";
    }
}
