package org.multiprocessing4j.subprocess;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs external programs: CPython's {@code subprocess} module ({@code run}, pipelines of
 * {@code Popen}s), without the deadlocks and leftovers of hand-written {@link ProcessBuilder} code.
 *
 * <pre>{@code
 * CompletedProcess r = Subprocess.run(List.of("ls", "-al"));           // subprocess.run(["ls", "-al"])
 * CompletedProcess out = Subprocess.run(List.of("git", "status"),
 *         Options.defaults().captureOutput().text().timeout(Duration.ofSeconds(10)).check());
 * System.out.println(out.stdoutText());
 * CompletedPipeline ps = Subprocess.pipeline(List.of(List.of("ps", "aux"), List.of("grep", "java")),
 *         Options.defaults().captureOutput());                           // ps aux | grep java
 * }</pre>
 *
 * <ul>
 *   <li>Output of any size on stdout and stderr at once, with input fed at the same time, never
 *       deadlocks: every pipe has its own thread ({@link Popen#communicate}).
 *   <li>A timeout kills the child and all its descendants, collects what they wrote so far and
 *       throws {@link TimeoutExpired} with it; nothing is left running. So does an interrupt of
 *       the waiting thread (then {@link InterruptedException}).
 *   <li>Bad input fails before anything starts: an empty or null argument, a working directory
 *       that is not a readable directory ({@link IllegalArgumentException} /
 *       {@link NullPointerException}); a program that does not exist is a
 *       {@link java.nio.file.NoSuchFileException} naming it.
 * </ul>
 */
public final class Subprocess {
    /** How long the output of a killed child is still collected (descendants may hold its pipes). */
    private static final Duration AFTER_KILL = Duration.ofSeconds(5);

    private Subprocess() {}

    /** {@code run(args, Options.defaults())}: streams inherited, no timeout. */
    public static CompletedProcess run(List<String> args) throws IOException, InterruptedException {
        return run(args, Options.defaults());
    }

    /**
     * Runs a command and waits for it (CPython: {@code subprocess.run}).
     *
     * @throws CalledProcessError with {@link Options#check()}, when the return code is not 0
     * @throws TimeoutExpired when {@link Options#timeout} passed; the child and its descendants
     *     were killed and their output so far is in the exception
     * @throws java.nio.file.NoSuchFileException the program does not exist
     */
    public static CompletedProcess run(List<String> args, Options options) throws IOException, InterruptedException {
        List<String> cmd = Popen.checkArgs(args);
        Popen p = Popen.start(cmd, options, false); // this method always waits for it
        Popen.Output out;
        try {
            out = p.communicate(options.input, options.timeout);
        } catch (TimeoutExpired e) {
            p.killTree();
            Popen.Output rest = afterKill(p);
            p.closeCollectedPipes(); // an escaped descendant may hold them open for good
            p.waitFor();
            throw new TimeoutExpired(cmd, options.timeout, rest.stdout(), rest.stderr(), options.charset());
        } catch (InterruptedException | RuntimeException e) {
            p.killTree();
            p.closeCollectedPipes();
            p.reapLater();
            throw e;
        }
        int rc = p.waitFor();
        if (options.check && rc != 0) {
            throw new CalledProcessError(rc, cmd, out.stdout(), out.stderr(), options.charset());
        }
        return new CompletedProcess(cmd, rc, out.stdout(), out.stderr(), options.charset());
    }

    private static Popen.Output afterKill(Popen p) throws InterruptedException {
        try {
            return p.communicate(null, AFTER_KILL);
        } catch (TimeoutExpired stillOpen) {
            return new Popen.Output(stillOpen.output(), stillOpen.stderr()); // an escaped process holds a pipe
        }
    }

    /**
     * Runs commands connected stdout to stdin through OS pipes, like a shell's {@code a | b | c},
     * and waits for all of them. {@code options} apply to the pipeline as a whole: stdin and input
     * to the first command, stdout to the last, stderr to each (with {@link Redirect#PIPE} each
     * command's stderr is collected separately; {@link Redirect#STDOUT} sends each command's
     * stderr down the pipe with its stdout), cwd, environment, timeout (every command and its
     * descendants killed) and check (the first command with a non-zero code, as bash's
     * {@code pipefail}).
     */
    public static CompletedPipeline pipeline(List<List<String>> commands, Options options)
            throws IOException, InterruptedException {
        Objects.requireNonNull(commands, "commands");
        if (commands.isEmpty()) {
            throw new IllegalArgumentException("empty pipeline");
        }
        List<List<String>> cmds = new ArrayList<>();
        List<ProcessBuilder> builders = new ArrayList<>();
        int last = commands.size() - 1;
        for (int i = 0; i <= last; i++) {
            List<String> cmd = Popen.checkArgs(commands.get(i));
            cmds.add(cmd);
            Options o = options;
            ProcessBuilder pb = Popen.builder(cmd, stageOptions(o, i, last)).builder();
            builders.add(pb);
        }
        List<Process> processes;
        try {
            processes = ProcessBuilder.startPipeline(builders);
        } catch (IOException e) {
            String missing = missingProgram(cmds);
            throw Popen.launchError(missing != null ? missing : cmds.get(0).get(0), e);
        }
        List<Popen> stages = new ArrayList<>();
        for (int i = 0; i <= last; i++) {
            stages.add(Popen.of(cmds.get(i), processes.get(i), stageOptions(options, i, last)));
        }
        long deadline = options.timeout == null ? Long.MAX_VALUE : System.nanoTime() + options.timeout.toNanos();
        Future<?> feeder = options.stdin == Redirect.PIPE ? Streams.feed(processes.get(0).getOutputStream(), options.input) : null;
        Streams.Drain out = options.stdout == Redirect.PIPE ? new Streams.Drain(processes.get(last).getInputStream()) : null;
        List<Streams.Drain> errs = new ArrayList<>();
        if (options.stderr == Redirect.PIPE) {
            for (Process p : processes) {
                errs.add(new Streams.Drain(p.getErrorStream()));
            }
        }
        try {
            for (Process p : processes) {
                long left = deadline - System.nanoTime();
                if (deadline == Long.MAX_VALUE) {
                    p.waitFor();
                } else if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    stages.forEach(Popen::killTree);
                    waitQuietly(out, errs);
                    throw new TimeoutExpired(cmds.get(processes.indexOf(p)), options.timeout, out == null ? null : out.snapshot(),
                            null, options.charset());
                }
            }
            if (feeder != null) {
                feeder.get();
            }
            waitQuietly(out, errs);
        } catch (InterruptedException e) {
            stages.forEach(Popen::killTree);
            throw e;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("feeding the pipeline failed", e.getCause());
        }
        List<Integer> codes = new ArrayList<>();
        for (Popen s : stages) {
            codes.add(s.waitFor());
        }
        List<byte[]> stderrs = errs.isEmpty() ? null : errs.stream().map(Streams.Drain::snapshot).toList();
        CompletedPipeline result = new CompletedPipeline(cmds, codes, out == null ? null : out.snapshot(), stderrs, options.charset());
        return options.check ? result.checkReturncodes() : result;
    }

    private static Options stageOptions(Options o, int i, int last) {
        Options s = Options.defaults().text(o.charset());
        if (o.cwd != null) {
            s = s.cwd(o.cwd);
        }
        if (o.env != null) {
            s = s.env(o.env);
        }
        for (var e : o.extraEnv.entrySet()) {
            s = s.putEnv(e.getKey(), e.getValue());
        }
        s = s.stdin(i == 0 ? o.stdin : Redirect.PIPE).stdout(i == last ? o.stdout : Redirect.PIPE);
        return s.stderr(o.stderr);
    }

    private static void waitQuietly(Streams.Drain out, List<Streams.Drain> errs) throws InterruptedException {
        List<Streams.Drain> all = new ArrayList<>(errs);
        if (out != null) {
            all.add(out);
        }
        for (Streams.Drain d : all) {
            try {
                d.done().get(AFTER_KILL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // keep what came
            }
        }
    }

    /** The first program of {@code cmds} that is not an executable file, nor on the PATH; null when all are. */
    static String missingProgram(List<List<String>> cmds) {
        for (List<String> c : cmds) {
            String prog = c.get(0);
            if (prog.contains("/")) {
                if (!java.nio.file.Files.isExecutable(java.nio.file.Path.of(prog))) {
                    return prog;
                }
                continue;
            }
            boolean found = false;
            for (String dir : String.valueOf(System.getenv("PATH")).split(":")) {
                if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, prog))) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return prog;
            }
        }
        return null;
    }
}
