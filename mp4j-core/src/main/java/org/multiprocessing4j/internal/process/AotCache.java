package org.multiprocessing4j.internal.process;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.internal.log.Log;

/**
 * An ahead-of-time cache (JEP 483/514) for child JVMs: the classes of the child bootstrap (the
 * codec, the control connection, the process machinery) loaded and linked once, mapped by every
 * later child. Measured on this project's machines: Fory's cold set-up drops from about 260 ms to
 * about 100 ms of JVM wall time.
 *
 * <h2>Keyed by content</h2>
 * JDK 25.0.3 serves stale classes from a cache when a jar changes under the same path
 * (JDK-8377932). The cache file name is therefore a SHA-256 of the JDK version, the child's JVM
 * options and the class path with the <em>contents</em> of every jar; any change gives a new
 * cache. A class path with a directory (an IDE or a test run) gets no cache: the JDK requires a
 * jars-only class path.
 *
 * <h2>Building</h2>
 * A training child ({@code ChildMain --train}) runs the bootstrap path once with
 * {@code -XX:AOTCacheOutput} and the result is renamed into place atomically, so concurrent
 * builders cannot leave a torn file; within one process, contexts with the same key wait for
 * one training run. The training child also decodes (never runs) the payload of
 * the process whose start triggered the build, so that the application's own target class and
 * its lambda are in the cache too: measured, that takes a spawn child's decode from about 20 ms
 * to a few. As with the warm reserve's rehearsal, static initialisers of those classes run in
 * the training JVM. Children started before it is ready run without it.
 * Location: {@code $XDG_CACHE_HOME/mp4j/aot}, else {@code ~/.cache/mp4j/aot}, else the
 * temporary directory; override with the system property {@code mp4j.aot.dir}. After each build
 * only the {@value #KEEP} most recent caches are kept.
 *
 * <h2>In the background, at the lowest priority</h2>
 * The training JVM runs under {@code nice -n 19} ({@link Priority}) when a {@code nice}
 * executable is on the {@code PATH} (coreutils; without one it runs at the caller's priority): it
 * is work for later children, and it must not take the CPU from the processes the application
 * runs now. Measured (2026-11-25, two vCPUs, a ping-pong of ints over two queues between a JVM
 * and its spawned child while the first context of a new class path trained its cache): at the
 * default priority the training took about one vCPU for 5-9 s and the round trips meanwhile took
 * 15-30 us instead of 0.6-2 (docs/benchmarks.md, twenty-sixth session). A niced run waits for idle CPU, so on a busy
 * machine it takes longer: its time limit, {@link #TRAINING_LIMIT_SECONDS}, only catches a hung
 * run. The price: an application that keeps every core busy until it exits may end before its
 * training run does (the run halts with it, as every child does, and the next one tidies its
 * files away); its next start trains again, and its children start without the cache meanwhile.
 * {@code Context.prepare} waits for the cache where that matters.
 */
public final class AotCache {
    private static final Log LOG = Log.of(AotCache.class);

    private final JvmCommand command;
    private final boolean enabled;
    /** The payload the training run decodes besides the built-in sample (see the class doc). */
    private final java.util.function.Supplier<ChildSpec> sample;
    private volatile Path file;
    private CompletableFuture<Path> build; // guarded by this
    /**
     * Training runs in progress in this process, by cache file: contexts with the same key wait
     * for one run. Measured before (one process making a context after another while no cache
     * existed): each context started its own training JVM under the same temporary names, and
     * they deleted each other's files (failed runs, {@code NoSuchFileException} on the log).
     */
    private static final java.util.concurrent.ConcurrentHashMap<Path, CompletableFuture<Path>> TRAINING =
            new java.util.concurrent.ConcurrentHashMap<>();

    public AotCache(JvmCommand command, boolean enabled, java.util.function.Supplier<ChildSpec> sample) {
        this.command = command;
        this.sample = sample;
        this.enabled = enabled && command.classPathIsJarsOnly();
    }

    /** The cache file when it exists, else null (and a build is started in the background). */
    public Path readyOrStartBuild() {
        Path f = file;
        if (f != null || !enabled) {
            return f;
        }
        ensureBuild();
        return file;
    }

    /** Waits until the cache is built or known to be unavailable. */
    public boolean await(long timeoutMillis) throws InterruptedException {
        if (!enabled) {
            return true;
        }
        CompletableFuture<Path> b = ensureBuild();
        try {
            b.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return true; // failed: children run without it
        }
    }

    private synchronized CompletableFuture<Path> ensureBuild() {
        if (build == null) {
            build = CompletableFuture.supplyAsync(this::locateOrBuild, r -> Thread.ofPlatform().daemon().name("mp4j-aot-build").start(r));
            build.whenComplete((p, e) -> {
                if (p != null) {
                    file = p;
                }
            });
        }
        return build;
    }

    private Path locateOrBuild() {
        CompletableFuture<Path> running;
        try {
            Path dir = directory();
            Files.createDirectories(dir);
            Path target = dir.resolve("child-" + key() + ".aot");
            if (Files.isRegularFile(target) && Files.size(target) > 0) {
                return target;
            }
            CompletableFuture<Path> mine = new CompletableFuture<>();
            running = TRAINING.putIfAbsent(target, mine);
            if (running == null) {
                try {
                    Path p = train(dir, target);
                    mine.complete(p);
                    return p;
                } catch (IOException | InterruptedException | RuntimeException e) {
                    mine.completeExceptionally(e);
                    throw e;
                } finally {
                    TRAINING.remove(target, mine); // later contexts find the file, or try again after a failure
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            LOG.warning("no AOT cache for child JVMs (they start slower): %s", e);
            throw new IllegalStateException(e);
        }
        try {
            return running.join(); // another context of this process is training for the same key
        } catch (java.util.concurrent.CompletionException e) {
            throw new IllegalStateException(e.getCause()); // its failure was logged where it happened
        }
    }

    /** One training run for {@code target}; the file is renamed into place atomically. */
    private Path train(Path dir, Path target) throws IOException, InterruptedException {
        prune(dir, null); // the leftovers of runs whose JVM died first (a niced run often ends with its application, unfinished)
        Path tmp = dir.resolve(target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Path samplePayload = dir.resolve(target.getFileName() + "." + ProcessHandle.current().pid() + ".sample");
        ChildSpec spec = sample.get();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(Files.newOutputStream(samplePayload))) {
            if (spec != null) {
                spec.writeTo(out);
            }
        }
        List<String> cmd = command.command(null, List.of("-XX:AOTCacheOutput=" + tmp, "-Xlog:aot=off", "-Xlog:cds=off"),
                "--train", samplePayload.toString());
        long t0 = System.nanoTime();
        Path log = dir.resolve(target.getFileName() + "." + ProcessHandle.current().pid() + ".log");
        // stdin stays an open pipe that is never written: the training JVM halts when it sees
        // end of stream, i.e. when this JVM dies, like every other child
        java.lang.Process p = new ProcessBuilder(Priority.niced(cmd))
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(log.toFile())
                .start();
        try {
            if (!p.waitFor(TRAINING_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("AOT training run did not finish in " + TRAINING_LIMIT_SECONDS + " s");
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(tmp)) {
                Files.deleteIfExists(tmp);
                String output = Files.readString(log).strip();
                throw new IOException("AOT training run failed with exit code " + p.exitValue()
                        + (output.isEmpty() ? "" : ": " + output.substring(Math.max(0, output.length() - 600))));
            }
        } finally {
            p.getOutputStream().close();
            Files.deleteIfExists(log);
            Files.deleteIfExists(samplePayload);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        prune(dir, target);
        LOG.debug("AOT cache for child JVMs built in %d ms: %s", (System.nanoTime() - t0) / 1_000_000, target);
        return target;
    }

    /**
     * How long a training run may take before it is killed (and children run without a cache):
     * long, because a niced run waits while the machine is busy; a run takes 5-10 s of CPU here.
     */
    static final long TRAINING_LIMIT_SECONDS = 600;

    /** How many caches to keep: every rebuild of the application's jars makes a new one (about 14 MB). */
    static final int KEEP = 4;

    /**
     * Removes all but the {@value #KEEP} most recently used caches (besides {@code keep}, which may
     * be null), and the files of builds whose JVM is gone (or that are a day old).
     */
    static void prune(Path dir, Path keep) {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            List<Path> caches = files.filter(p -> p.getFileName().toString().startsWith("child-")).sorted((a, b) -> {
                try {
                    return Files.getLastModifiedTime(b).compareTo(Files.getLastModifiedTime(a));
                } catch (IOException e) {
                    return 0;
                }
            }).toList();
            long dayAgo = System.currentTimeMillis() - 24 * 3600 * 1000L;
            int kept = 0;
            for (Path p : caches) { // newest first
                if (p.getFileName().toString().endsWith(".aot")) {
                    if (p.equals(keep) || kept < KEEP) {
                        kept++;
                        continue;
                    }
                    Files.deleteIfExists(p);
                } else if (builderGone(p.getFileName().toString()) || Files.getLastModifiedTime(p).toMillis() < dayAgo) {
                    Files.deleteIfExists(p); // the leftovers of a build whose JVM died
                }
            }
        } catch (IOException e) {
            // a cache directory we cannot tidy is still usable
        }
    }

    /**
     * True for {@code child-KEY.aot.PID.tmp} (or .tmp.config, which the JDK writes beside its
     * output during a training run, .log, .sample) when no process PID runs.
     */
    static boolean builderGone(String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\.aot\\.(\\d+)\\.(tmp|tmp\\.config|log|sample)$").matcher(name);
        if (!m.find()) {
            return false;
        }
        return !ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false);
    }

    /** SHA-256 of the JDK, the options and the class path with every jar's contents. */
    String key() throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(Runtime.version().toString().getBytes(StandardCharsets.UTF_8));
            md.update(System.getProperty("java.home").getBytes(StandardCharsets.UTF_8));
            for (String o : command.options()) {
                md.update(o.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            byte[] buf = new byte[1 << 16];
            for (String e : command.classPath().split(File.pathSeparator)) {
                md.update(e.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                try (InputStream in = Files.newInputStream(Path.of(e))) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        md.update(buf, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(md.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path directory() {
        String prop = System.getProperty("mp4j.aot.dir");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "mp4j", "aot");
        }
        String home = System.getProperty("user.home");
        if (home != null && !home.isBlank() && Files.isWritable(Path.of(home))) {
            return Path.of(home, ".cache", "mp4j", "aot");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "mp4j-aot-" + System.getProperty("user.name", "user"));
    }
}
