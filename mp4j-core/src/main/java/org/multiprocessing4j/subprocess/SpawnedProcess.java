package org.multiprocessing4j.subprocess;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child started with libc's {@code posix_spawnp} through FFM, for {@link Popen}: one
 * {@code exec} per run, where the JDK's {@code ProcessBuilder} on Linux spawns its
 * {@code jspawnhelper}, which then executes the program (two). Measured on this project's
 * machines, 200 runs of {@code true}: 1.5-1.6 ms each through {@code ProcessBuilder}, 0.75 ms
 * through {@code posix_spawnp}; CPython's {@code subprocess.run} 0.74-0.87 ms.
 *
 * <ul>
 *   <li>Pipes come from {@code pipe2(O_CLOEXEC)}; the child's ends are put in place with
 *       {@code dup2} file actions. This process's ends are held by {@link ChildPipes}: read
 *       there by {@code poll} for {@link Popen#communicate}, or opened as Java streams (through
 *       {@code /proc/self/fd/N}) when asked for.
 *   <li>The child starts with no signal blocked ({@code POSIX_SPAWN_SETSIGMASK}: JVM threads
 *       block {@code SIGQUIT}) and {@code SIGPIPE} and {@code SIGXFSZ} at their default
 *       disposition ({@code POSIX_SPAWN_SETSIGDEF}, CPython's {@code restore_signals}); signals the
 *       JVM handles are reset by {@code exec} itself.
 *   <li>The exit status comes from {@code waitpid}, so a signal is known as such
 *       ({@link #signal()}), not guessed from 128 + n. A thread in {@link #waitFor()} waits
 *       itself, in {@code poll} on the child's pidfd (in slices, so that it sees an interrupt; a
 *       blocking {@code waitpid} could not be interrupted), then calls {@code waitpid} without
 *       blocking. A pool thread also waits in {@code waitpid} for a {@link Popen} the user holds
 *       (who may never wait: no zombie is left), and for any wait where there is no pidfd
 *       (glibc before 2.36).
 *   <li>Descriptors 3 and up are closed in the child ({@code posix_spawn_file_actions_addclosefrom_np}),
 *       as the JDK's launcher does: the JVM does not open all its files close-on-exec.
 * </ul>
 * Used only on Linux with glibc 2.34 or later and native access enabled; {@link #available()}
 * says whether it is, and {@link Popen} falls back to {@link ProcessBuilder} otherwise.
 */
final class SpawnedProcess extends Process {
    private static final int O_CLOEXEC = 0x80000;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0x40;
    private static final int O_TRUNC = 0x200;
    private static final int O_APPEND = 0x400;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int ECHILD = 10;
    private static final int WNOHANG = 1;
    private static final int SIGPIPE = 13;
    private static final int SIGXFSZ = 25;
    /** Longest a waiting thread sits in one {@code poll}: how late it may see its interrupt. */
    private static final int WAIT_SLICE_MS = 20;

    private final long pid;
    /** This process's ends of the child's pipes; streams are made from them on first use. */
    private final ChildPipes pipes;
    // the streams handed out, made on first use; guarded by this
    private OutputStream stdin;
    private InputStream stdout;
    private InputStream stderr;
    private final CompletableFuture<Integer> status = new CompletableFuture<>();
    /** Whether a pool thread waits for the child (started at once, or when someone waits asynchronously). */
    private final java.util.concurrent.atomic.AtomicBoolean reaping = new java.util.concurrent.atomic.AtomicBoolean();
    /** Guards {@link #pidfd} and {@link #pidfdUsers}. */
    private final Object pidfdLock = new Object();
    /** The child's pidfd (-1: none, or closed since its status is known and no thread polls it). */
    private int pidfd;
    /** Threads polling {@link #pidfd} now: it is closed only when none is, so its number is never reused under one. */
    private int pidfdUsers;

    /** Holder: linked on first use; {@link ChildPipes} uses it too. */
    static final class Native {
        /** {@code poll}'s readable event. */
        static final short POLLIN = 0x1;
        /** {@code errno} of a call interrupted by a signal. */
        static final int EINTR = 4;
        static final Linker LINKER = Linker.nativeLinker();
        static final SymbolLookup LIBC = LINKER.defaultLookup();
        static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final MethodHandle PIPE2 = fn("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle FA_INIT = fn("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle FA_DESTROY = fn("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle FA_DUP2 = fn("posix_spawn_file_actions_adddup2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle FA_OPEN = fn("posix_spawn_file_actions_addopen",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle FA_CHDIR = fn("posix_spawn_file_actions_addchdir_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle FA_CLOSEFROM = fn("posix_spawn_file_actions_addclosefrom_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle ATTR_INIT = fn("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle ATTR_FLAGS = fn("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
        static final MethodHandle ATTR_SIGDEF = fn("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle ATTR_SIGMASK = fn("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle SIGEMPTYSET = fn("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle SIGADDSET = fn("sigaddset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle SPAWNP = fn("posix_spawnp",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle WAITPID = LINKER.downcallHandle(LIBC.find("waitpid").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.captureCallState("errno"));
        static final MethodHandle KILL = fn("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        /** {@code int pidfd_open(pid_t, unsigned)}: glibc 2.36 and later; null before (waits then go through a pool thread). */
        static final MethodHandle PIDFD_OPEN = LIBC.find("pidfd_open")
                .map(a -> LINKER.downcallHandle(a, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT))).orElse(null);
        static final MethodHandle READ = LINKER.downcallHandle(LIBC.find("read").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), Linker.Option.captureCallState("errno"));
        static final MethodHandle POLL = fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        static final MemorySegment ENVIRON = LIBC.find("environ").orElseThrow().reinterpret(ADDRESS.byteSize()).get(ADDRESS, 0);

        /** Closes {@code fd} if it is one (not -1); a failure leaves nothing to do. */
        static void closeQuietly(int fd) {
            if (fd >= 0) {
                try {
                    int ignored = (int) CLOSE.invokeExact(fd);
                } catch (Throwable t) {
                    // the descriptor is forgotten either way
                }
            }
        }

        @SuppressWarnings("restricted") // native access is what this class is for
        private static MethodHandle fn(String name, FunctionDescriptor d) {
            return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsupportedOperationException("no " + name)), d);
        }
    }

    private static final boolean AVAILABLE = probe();

    private static boolean probe() {
        if (!System.getProperty("os.name").startsWith("Linux") || Boolean.getBoolean("mp4j.subprocess.jdkLaunch")
                || !SpawnedProcess.class.getModule().isNativeAccessEnabled()) {
            return false;
        }
        try {
            return Native.SPAWNP != null && Native.FA_CHDIR != null && Native.FA_CLOSEFROM != null;
        } catch (Throwable t) {
            return false;
        }
    }

    /** True when this launcher can be used here (Linux, native access enabled, glibc 2.34+). */
    static boolean available() {
        return AVAILABLE;
    }

    private SpawnedProcess(long pid, int pidfd, ChildPipes pipes) {
        this.pid = pid;
        this.pidfd = pidfd;
        this.pipes = pipes;
    }

    /**
     * Starts {@code cmd} as {@code o} says; the same meaning as {@link Popen#builder}'s
     * {@code ProcessBuilder}, checked the same way beforehand.
     *
     * @throws IOException with the same messages as the JDK's launch failures ("error=2," ...),
     *     which {@link Popen#launchError} turns into clear errors
     */
    static SpawnedProcess start(List<String> cmd, Options o, Map<String, String> environment, boolean reapInBackground)
            throws IOException {
        // in small methods: one this size would run interpreted (C1 gives up on it), about 25 us a start
        int[] parentEnds = {-1, -1, -1};
        int[] childEnds = {-1, -1, -1};
        boolean started = false;
        Scratch scratch = Scratch.get();
        try (Scratch.SpawnAllocator arena = scratch.spawnAllocator()) {
            MemorySegment fa = scratch.at(Scratch.FILE_ACTIONS, Scratch.FILE_ACTIONS_SIZE);
            check((int) Native.FA_INIT.invokeExact(fa), "posix_spawn_file_actions_init");
            try {
                fileActions(scratch, arena, fa, o, parentEnds, childEnds);
                int childPid = spawn(scratch, arena, cmd, environment, fa, Attributes.ATTR);
                // opened now, while the child cannot have been reaped: its pid is surely still its own
                SpawnedProcess p = new SpawnedProcess(childPid, openPidfd(childPid),
                        new ChildPipes(parentEnds[0], parentEnds[1], parentEnds[2]));
                started = true;
                if (reapInBackground) {
                    p.reapInBackground();
                }
                return p;
            } finally {
                int ignored = (int) Native.FA_DESTROY.invokeExact(fa);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("posix_spawnp failed: " + t, t);
        } finally {
            closeAll(childEnds); // the child has its own copies
            if (!started) {
                closeAll(parentEnds);
            }
        }
    }

    /**
     * The spawn attributes, the same for every child, so built once ({@code posix_spawnp} only
     * reads them): no signal blocked in the child, and SIGPIPE and SIGXFSZ at their default
     * disposition, which a JVM may leave ignored (handled signals are reset by exec anyway), as
     * CPython's {@code restore_signals}. Resetting all 64 would cost the child 64 {@code sigaction}
     * calls.
     */
    private static final class Attributes {
        static final MemorySegment ATTR = build();

        private static MemorySegment build() {
            try {
                Arena forever = Arena.global();
                MemorySegment attr = forever.allocate(512, 16);
                MemorySegment sigs = forever.allocate(256, 16);
                check((int) Native.ATTR_INIT.invokeExact(attr), "posix_spawnattr_init");
                check((int) Native.SIGEMPTYSET.invokeExact(sigs), "sigemptyset");
                check((int) Native.SIGADDSET.invokeExact(sigs, SIGPIPE), "sigaddset");
                check((int) Native.SIGADDSET.invokeExact(sigs, SIGXFSZ), "sigaddset");
                check((int) Native.ATTR_SIGDEF.invokeExact(attr, sigs), "posix_spawnattr_setsigdefault");
                check((int) Native.SIGEMPTYSET.invokeExact(sigs), "sigemptyset");
                check((int) Native.ATTR_SIGMASK.invokeExact(attr, sigs), "posix_spawnattr_setsigmask");
                check((int) Native.ATTR_FLAGS.invokeExact(attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)),
                        "posix_spawnattr_setflags");
                return attr;
            } catch (Throwable t) {
                throw new ExceptionInInitializerError(t);
            }
        }
    }

    /** Adds the file actions: working directory, the three standard streams, every other descriptor closed. */
    private static void fileActions(Scratch scratch, SegmentAllocator arena, MemorySegment fa, Options o, int[] parentEnds,
            int[] childEnds) throws Throwable {
        if (o.cwd != null) {
            check((int) Native.FA_CHDIR.invokeExact(fa, arena.allocateFrom(o.cwd.toString())), "addchdir");
        }
        stream(scratch, arena, fa, 0, o.stdin, parentEnds, childEnds);
        stream(scratch, arena, fa, 1, o.stdout, parentEnds, childEnds);
        if (o.stderr == Redirect.STDOUT) {
            check((int) Native.FA_DUP2.invokeExact(fa, 1, 2), "adddup2");
        } else {
            stream(scratch, arena, fa, 2, o.stderr, parentEnds, childEnds);
        }
        // every other descriptor of this JVM stays out of the child (the JDK does not open all
        // of its files close-on-exec; ProcessBuilder closes them in its helper the same way)
        check((int) Native.FA_CLOSEFROM.invokeExact(fa, 3), "addclosefrom_np");
    }

    /** Starts the child ({@code posix_spawnp}: the program looked up on the PATH); its pid. */
    private static int spawn(Scratch scratch, SegmentAllocator arena, List<String> cmd, Map<String, String> environment,
            MemorySegment fa, MemorySegment attr) throws Throwable {
        MemorySegment argv = arena.allocate(ADDRESS, cmd.size() + 1);
        for (int i = 0; i < cmd.size(); i++) {
            argv.setAtIndex(ADDRESS, i, arena.allocateFrom(cmd.get(i)));
        }
        argv.setAtIndex(ADDRESS, cmd.size(), MemorySegment.NULL);
        MemorySegment envp = Native.ENVIRON;
        if (environment != null) {
            envp = arena.allocate(ADDRESS, environment.size() + 1);
            int i = 0;
            for (Map.Entry<String, String> e : environment.entrySet()) {
                envp.setAtIndex(ADDRESS, i++, arena.allocateFrom(e.getKey() + "=" + e.getValue(), StandardCharsets.UTF_8));
            }
            envp.setAtIndex(ADDRESS, i, MemorySegment.NULL);
        }
        MemorySegment pidOut = scratch.at(Scratch.PID, JAVA_INT.byteSize());
        int r = (int) Native.SPAWNP.invokeExact(pidOut, argv.getAtIndex(ADDRESS, 0), fa, attr, argv, envp);
        if (r != 0) {
            boolean programMissing = Subprocess.missingProgram(List.of(cmd)) != null;
            throw new IOException("Cannot run program \"" + cmd.get(0) + "\": "
                    + (r == 2 && programMissing ? "error=2, No such file or directory"
                    : r == 13 ? "error=13, Permission denied" : "posix_spawnp failed with errno " + r
                    + " (a redirect file or the working directory)"));
        }
        return pidOut.get(JAVA_INT, 0);
    }

    /** Sets up child descriptor {@code fd} as {@code r} says; for a pipe, records both ends. */
    private static void stream(Scratch scratch, SegmentAllocator arena, MemorySegment fa, int fd, Redirect r,
            int[] parentEnds, int[] childEnds) throws Throwable {
        switch (r) {
            case Redirect.Special s when s == Redirect.Special.PIPE -> {
                MemorySegment fds = scratch.at(Scratch.PIPE_FDS, 2 * JAVA_INT.byteSize());
                check((int) Native.PIPE2.invokeExact(fds, O_CLOEXEC), "pipe2");
                int read = fds.getAtIndex(JAVA_INT, 0);
                int write = fds.getAtIndex(JAVA_INT, 1);
                parentEnds[fd] = fd == 0 ? write : read;
                childEnds[fd] = fd == 0 ? read : write;
                check((int) Native.FA_DUP2.invokeExact(fa, childEnds[fd], fd), "adddup2");
            }
            case Redirect.Special s when s == Redirect.Special.DEVNULL ->
                check((int) Native.FA_OPEN.invokeExact(fa, fd, arena.allocateFrom("/dev/null"), fd == 0 ? O_RDONLY : O_WRONLY, 0),
                        "addopen");
            case Redirect.Special s -> {
                // INHERIT: the descriptor as it is
            }
            case Redirect.ToFile f -> {
                int flags = fd == 0 ? O_RDONLY : O_WRONLY | O_CREAT | (f.append() ? O_APPEND : O_TRUNC);
                check((int) Native.FA_OPEN.invokeExact(fa, fd, arena.allocateFrom(f.path().toAbsolutePath().toString()), flags, 0666),
                        "addopen");
            }
        }
    }

    private static void check(int r, String what) throws IOException {
        if (r != 0) {
            throw new IOException(what + " failed: " + r);
        }
    }

    private static void closeAll(int[] fds) {
        for (int i = 0; i < fds.length; i++) {
            Native.closeQuietly(fds[i]);
            fds[i] = -1;
        }
    }

    /**
     * Lets a pool thread wait for the child with a blocking {@code waitpid} (once). Whoever gets
     * the status records it (this thread, {@link #waitFor()}, {@link #isAlive()},
     * {@link #exitValue()}); the others see {@code ECHILD} and leave it.
     */
    void reapInBackground() {
        if (!status.isDone() && reaping.compareAndSet(false, true)) {
            Streams.submit(() -> reap(0));
        }
    }

    /** One waitpid without blocking; records the status when the child has ended. */
    private void poll() {
        if (!status.isDone()) {
            reap(WNOHANG);
        }
    }

    private void reap(int options) {
        try {
            Scratch scratch = Scratch.get();
            MemorySegment st = scratch.at(Scratch.REAP_STATUS, JAVA_INT.byteSize());
            MemorySegment state = scratch.at(Scratch.REAP_STATE, Native.CALL_STATE.byteSize());
            for (;;) {
                int r = (int) Native.WAITPID.invokeExact(state, (int) pid, st, options);
                if (r == 0) {
                    return; // WNOHANG: still running
                }
                if (r == pid) {
                    status.complete(st.get(JAVA_INT, 0));
                    closePidfdWhenUnused();
                    return;
                }
                if (r < 0 && (int) Native.ERRNO.get(state, 0L) == Native.EINTR) {
                    continue;
                }
                if (r < 0 && (int) Native.ERRNO.get(state, 0L) == ECHILD) {
                    return; // the other waiting thread reaped it and records the status
                }
                status.completeExceptionally(new IOException("waitpid(" + pid + ") failed: errno " + Native.ERRNO.get(state, 0L)));
                closePidfdWhenUnused();
                return;
            }
        } catch (Throwable t) {
            status.completeExceptionally(t);
            closePidfdWhenUnused();
        }
    }

    /** A pidfd for {@code pid} (close-on-exec), or -1 where there is none (glibc before 2.36, Linux before 5.3). */
    private static int openPidfd(int pid) {
        if (Native.PIDFD_OPEN == null) {
            return -1;
        }
        try {
            return (int) Native.PIDFD_OPEN.invokeExact(pid, 0);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** The pidfd for one waiting thread, to be given back with {@link #givePidfd}; -1 when there is none. */
    private int takePidfd() {
        synchronized (pidfdLock) {
            if (pidfd < 0 || status.isDone()) {
                return -1;
            }
            pidfdUsers++;
            return pidfd;
        }
    }

    private void givePidfd() {
        synchronized (pidfdLock) {
            pidfdUsers--;
        }
        closePidfdWhenUnused();
    }

    /** Closes the pidfd once the status is known and no thread polls it. */
    private void closePidfdWhenUnused() {
        synchronized (pidfdLock) {
            if (pidfd >= 0 && pidfdUsers == 0 && status.isDone()) {
                Native.closeQuietly(pidfd);
                pidfd = -1;
            }
        }
    }

    /**
     * Waits until the child has ended or {@code deadline} ({@link System#nanoTime()}) has passed,
     * in this thread: {@code poll} on the child's pidfd, which the kernel makes readable when the
     * child exits, in slices of {@value #WAIT_SLICE_MS} ms with the interrupt checked between
     * them; then {@code waitpid} without blocking. No thread hand-off, which a short run would
     * pay for more than for its own work. Without a pidfd, a pool thread waits in {@code waitpid}.
     *
     * @return true when the status is known, false when the deadline passed first
     */
    private boolean waitUntil(long deadline) throws InterruptedException {
        int fd = takePidfd();
        if (fd < 0) {
            if (!status.isDone()) {
                reapInBackground();
            }
            return awaitStatus(deadline);
        }
        try {
            // struct pollfd { int fd; short events; short revents; }
            MemorySegment pollFd = Scratch.get().at(Scratch.WAIT_POLL, 8);
            pollFd.set(JAVA_INT, 0, fd);
            pollFd.set(JAVA_SHORT, 4, Native.POLLIN);
            while (!status.isDone()) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    poll(); // a zero timeout still sees a child that has just ended
                    return status.isDone();
                }
                int slice = (int) Math.min(WAIT_SLICE_MS, (left + 999_999) / 1_000_000);
                int ready = (int) Native.POLL.invokeExact(pollFd, 1L, slice);
                if (ready > 0) { // it has ended
                    reap(WNOHANG);
                    return awaitStatus(deadline); // done, or a pool thread reaped it and is recording it
                }
            }
            return true;
        } catch (InterruptedException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("poll on the pidfd of process " + pid + " failed", t);
        } finally {
            givePidfd();
        }
    }

    /** Waits for {@link #status} until {@code deadline}; true when it is known. */
    private boolean awaitStatus(long deadline) throws InterruptedException {
        try {
            if (deadline == Long.MAX_VALUE) {
                status.get();
            } else {
                status.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot learn how process " + pid + " ended", e.getCause());
        }
    }

    /** The signal that ended the child (0: it exited); only once it has ended. */
    int signal() {
        int s = rawStatus();
        return (s & 0x7f) != 0 && (s & 0x7f) != 0x7f ? s & 0x7f : 0;
    }

    private int rawStatus() {
        try {
            return status.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot learn how process " + pid + " ended", e.getCause());
        }
    }

    @Override
    public synchronized OutputStream getOutputStream() {
        if (stdin == null) {
            stdin = pipes.stdinStream();
        }
        return stdin;
    }

    @Override
    public synchronized InputStream getInputStream() {
        if (stdout == null) {
            stdout = pipes.inputStream(ChildPipes.STDOUT);
        }
        return stdout;
    }

    @Override
    public synchronized InputStream getErrorStream() {
        if (stderr == null) {
            stderr = pipes.inputStream(ChildPipes.STDERR);
        }
        return stderr;
    }

    /**
     * The child's pipes for {@link ChildPipes#collect} in the calling thread, when neither
     * stdout nor stderr has been taken as a stream (else null: the streams are read instead).
     */
    synchronized ChildPipes pipesForCollect() {
        return stdout == null && stderr == null ? pipes : null;
    }

    /** Closes the pipe ends that were never taken as streams (streams are their holders' to close). */
    void closeUntakenPipes() {
        pipes.close();
    }

    @Override
    public int waitFor() throws InterruptedException {
        waitUntil(Long.MAX_VALUE);
        return exitValue();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        long now = System.nanoTime();
        long nanos = unit.toNanos(timeout);
        return waitUntil(nanos >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos);
    }

    /** The exit status, or 128 + n after signal n (as the JDK reports it). */
    @Override
    public int exitValue() {
        poll();
        if (!status.isDone()) {
            throw new IllegalThreadStateException("process " + pid + " has not exited");
        }
        int s = rawStatus();
        int sig = s & 0x7f;
        return sig == 0 ? (s >> 8) & 0xff : 128 + sig;
    }

    @Override
    public boolean isAlive() {
        poll();
        return !status.isDone();
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public ProcessHandle toHandle() {
        return ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("process " + pid + " has ended"));
    }

    @Override
    public CompletableFuture<Process> onExit() {
        reapInBackground();
        return status.thenApply(s -> this);
    }

    private void signal(int sig) {
        if (!status.isDone()) {
            try {
                int ignored = (int) Native.KILL.invokeExact((int) pid, sig);
            } catch (Throwable t) {
                throw new IllegalStateException("kill(" + pid + ", " + sig + ") failed", t);
            }
        }
    }

    @Override
    public void destroy() {
        signal(15);
    }

    @Override
    public Process destroyForcibly() {
        signal(9);
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }
}
