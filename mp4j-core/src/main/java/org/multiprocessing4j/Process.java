package org.multiprocessing4j;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.ipc.Transfers;
import org.multiprocessing4j.internal.log.Log;
import org.multiprocessing4j.internal.process.ChildSpec;
import org.multiprocessing4j.internal.process.Popen;
import org.multiprocessing4j.internal.process.ProcessAccess;
import org.multiprocessing4j.internal.process.Signals;

/**
 * A unit of work that runs in another OS process: CPython's {@code multiprocessing.Process}.
 *
 * <h2>Two ways to say what runs</h2>
 * Give a target, a serializable lambda or method reference, with up to three arguments:
 * <pre>{@code
 * Process p = new Process(Demo::greet, "萌萌哒");      // Process(target=greet, args=("萌萌哒",))
 * p.start();
 * p.join();
 * }</pre>
 * or subclass and override {@link #run()}; the subclass's fields travel with it:
 * <pre>{@code
 * class Worker extends Process {
 *     private final String who;
 *     Worker(String who) { this.who = who; }
 *     @Override public void run() { System.out.println("hello " + who); }
 * }
 * }</pre>
 *
 * <h2>Where it runs</h2>
 * In a process started by the {@link Context} the object was made with ({@code new Process(...)}
 * uses {@link Multiprocessing#defaultContext()}): a fresh JVM ({@link StartMethod#SPAWN}), a
 * pre-started JVM ({@link StartMethod#WARM}) or a thread ({@link StartMethod#THREAD}). The child
 * runs a copy of this object, decoded from bytes: changes it makes to fields are not seen here.
 * The target, its arguments and the fields of a subclass are serialised in {@link #start()}, so
 * anything that cannot cross fails there, in the caller, with a {@link SerializationException}
 * naming the class. The class that declares a lambda target, and a subclass of Process, are
 * allowed automatically; argument classes other than the JDK's common ones must be registered.
 *
 * <h2>Life cycle</h2>
 * <pre>
 *   created --start()--&gt; started --(run() returns / throws / signal)--&gt; ended --close()--&gt; closed
 * </pre>
 * <ul>
 * <li>{@link #exitCode()}: empty until ended; then 0 after a normal end, 1 when run() threw (the
 *     stack trace goes to the child's stderr), the argument of {@code System.exit}, or minus the
 *     signal number when a signal ended it (-15 after {@link #terminate()}, -9 after
 *     {@link #kill()}).
 * <li>The child's stdout and stderr are this process's own, so its prints appear here.
 * <li>A daemonic child ({@link #setDaemon(boolean)}) is terminated when this JVM's main thread
 *     ends; a non-daemonic one is joined then, as CPython does at interpreter exit. A daemonic
 *     process may not start children.
 * <li>No child outlives its parent JVM: when the parent dies, by {@code System.exit}, a crash or
 *     {@code kill -9}, every child JVM halts at once (it watches its control connection to the
 *     parent, which the kernel closes).
 * </ul>
 *
 * <h2>Memory consistency</h2>
 * Actions of the parent before {@code start()} happen-before the child's {@code run()} in the
 * sense that the child sees the serialised state as of {@code start()}. When {@code join()}
 * returns, the child's run() has returned and its stdout/stderr have been flushed.
 *
 * <p>Thread-safety: a Process object may be used from several threads of its parent.
 */
public class Process implements AutoCloseable, Serializable {
    private static final long serialVersionUID = 1L;
    private static final Log LOG = Log.of(Process.class);

    static {
        ProcessAccess.install(new Bootstrap());
        Log.processNameSupplier(() -> Multiprocessing.currentProcess().name());
    }

    // ---- state that travels to the child with the object ----
    private Serializable target;
    private Object[] args;
    private String name;
    private boolean daemon;
    private int[] identity;

    // ---- state of this JVM only ----
    /** What this object stands for here. */
    private transient Role role;
    /** The context that starts it (HANDLE only). */
    private transient Context context;
    /** Set by start(); guarded by this. */
    private transient volatile Popen popen;
    private transient volatile boolean closed;
    /** For CURRENT and MAIN: the pid of the process that started this one, or 0. */
    private transient long parentPid;
    private transient String parentName;
    /** For CURRENT and MAIN: children started by this process, and their numbering. */
    private transient Set<Process> children;
    private transient AtomicInteger childCounter;
    private transient volatile byte[] authkey;

    /** What a Process object stands for in this JVM. */
    enum Role {
        /** A process created here; it may be started, joined, terminated. */
        HANDLE,
        /** The process this code runs in (a child's copy of its own object). */
        CURRENT,
        /** The main process of this JVM. */
        MAIN,
        /** The parent of the current process, as seen by the child. */
        PARENT
    }

    /** A process running {@code target} (CPython: {@code Process(target=target)}). */
    public Process(Target target) {
        this(new Init(null, requireTarget(target), new Object[0]));
    }

    /** A process running {@code target(a)}. */
    public <A> Process(Target1<A> target, A a) {
        this(new Init(null, requireTarget(target), new Object[] {a}));
    }

    /** A process running {@code target(a, b)}. */
    public <A, B> Process(Target2<A, B> target, A a, B b) {
        this(new Init(null, requireTarget(target), new Object[] {a, b}));
    }

    /** A process running {@code target(a, b, c)}. */
    public <A, B, C> Process(Target3<A, B, C> target, A a, B b, C c) {
        this(new Init(null, requireTarget(target), new Object[] {a, b, c}));
    }

    /** For subclasses that override {@link #run()}; started by the default context. */
    protected Process() {
        this(new Init(null, null, new Object[0]));
    }

    /** For subclasses that override {@link #run()}; started by {@code context}. */
    protected Process(Context context) {
        this(new Init(java.util.Objects.requireNonNull(context, "context"), null, new Object[0]));
    }

    /** What a new process is made of; null context = the default context. */
    record Init(Context context, Serializable target, Object[] args) {}

    Process(Init init) {
        this.target = init.target();
        this.args = init.args();
        this.role = Role.HANDLE;
        this.context = init.context() != null ? init.context() : Multiprocessing.defaultContext();
        Process parent = Multiprocessing.currentProcess();
        int n = parent.childCounter().incrementAndGet();
        int[] parentIdentity = parent.identity == null ? new int[0] : parent.identity;
        this.identity = Arrays.copyOf(parentIdentity, parentIdentity.length + 1);
        this.identity[parentIdentity.length] = n;
        this.name = "Process-" + Arrays.stream(identity).mapToObj(Integer::toString).collect(Collectors.joining(":"));
        this.daemon = parent.daemon;
    }

    /** The main process of this JVM. */
    static Process mainProcess() {
        return new Process(Role.MAIN, "MainProcess", new int[0], false);
    }

    /**
     * A current process for a warm-up thread ({@link StartWarmup}): processes started there are
     * its children, numbered apart from this JVM's, under a key that never leaves this JVM.
     */
    static Process scratchParent() {
        Process p = new Process(Role.CURRENT, "warm-up", new int[0], false);
        p.authkey = new byte[32];
        return p;
    }

    private Process(Role role, String name, int[] identity, boolean daemon) {
        this.role = role;
        this.name = name;
        this.identity = identity;
        this.daemon = daemon;
        this.args = new Object[0];
        if (role == Role.MAIN) {
            this.children = ConcurrentHashMap.newKeySet();
            this.childCounter = new AtomicInteger();
        }
    }

    private static <T> T requireTarget(T target) {
        if (target == null) {
            throw new NullPointerException("target is null");
        }
        return target;
    }

    // ------------------------------------------------------------------ what runs

    /**
     * The code of the process, run in the child: calls the target with its arguments. Override it
     * in a subclass instead of giving a target (CPython: {@code run()}).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void run() throws Exception {
        Serializable t = target;
        if (t instanceof Target t0) {
            t0.run();
        } else if (t instanceof Target1 t1) {
            t1.run(args[0]);
        } else if (t instanceof Target2 t2) {
            t2.run(args[0], args[1]);
        } else if (t instanceof Target3 t3) {
            t3.run(args[0], args[1], args[2]);
        }
    }

    // ------------------------------------------------------------------ control

    /**
     * Starts the process (CPython: {@code start()}). Returns once the OS process exists; the child
     * may still be booting.
     *
     * @throws IllegalStateException when started twice, closed, not a process created in this
     *     process, or when the current process is daemonic
     * @throws SerializationException when the target, an argument or a field cannot be serialised
     *     (nothing is started)
     */
    public void start() {
        synchronized (this) {
            checkNotClosed();
            if (role != Role.HANDLE) {
                throw new IllegalStateException("cannot start " + describeRole() + "; start() is for processes created in this process");
            }
            if (popen != null) {
                throw new IllegalStateException("cannot start a process twice: " + this);
            }
            Process parent = Multiprocessing.currentProcess();
            if (parent.daemon) {
                throw new IllegalStateException("daemonic processes are not allowed to have children (current process "
                        + parent.name + " is daemonic)");
            }
            Codec codec = context.codec();
            codec.register(Process.class, getClass());
            if (target != null) {
                codec.register(Codec.declaringClassOf(target, getClass().getClassLoader()));
            }
            Transfers.begin(); // pipe ends in the payload belong to the child once it exists
            try {
                byte[] payload = encodePayload(codec);
                System.Logger.Level level = Log.stderrLevel();
                ChildSpec spec = new ChildSpec(context.startMethod().methodName(), name, identity, daemon,
                        parent.pid(), parent.name, level == null ? "" : level.name(), Log.backendFloor().name(), parent.authkeyRef(),
                        codec.generation(), codec.registeredNames(), payload);
                popen = context.launcher().launch(spec);
            } catch (RuntimeException | Error e) {
                Transfers.cancel();
                throw e;
            }
            Transfers.handOver(popen.pid(), popen::onExit);
            parent.children().add(this);
            if (parent.role == Role.MAIN) {
                ExitFunction.installAtMainThreadEnd();
            }
        }
    }

    /**
     * Waits until the process ends (CPython: {@code join()}).
     *
     * @throws IllegalStateException when not started, closed, or not a child of this process
     * @throws InterruptedException when the waiting thread is interrupted (the child runs on)
     */
    public void join() throws InterruptedException {
        join(null);
    }

    /**
     * Waits at most {@code timeout} for the process to end (CPython: {@code join(timeout)}).
     *
     * @param timeout how long to wait; null waits for ever
     * @return true when the process has ended
     */
    public boolean join(Duration timeout) throws InterruptedException {
        Popen p = startedPopen("join");
        boolean ended = p.waitFor(timeout);
        if (ended) {
            Process parent = Multiprocessing.currentProcess();
            if (parent.children != null) {
                parent.children.remove(this);
            }
        }
        return ended;
    }

    /** Whether the process has been started and has not ended (CPython: {@code is_alive()}). */
    public boolean isAlive() {
        checkNotClosed();
        return switch (role) {
            case CURRENT, MAIN -> true;
            case PARENT -> ProcessHandle.of(parentPid).map(ProcessHandle::isAlive).orElse(false);
            case HANDLE -> popen != null && popen.poll().isEmpty();
        };
    }

    /**
     * Asks the process to stop: SIGTERM for a JVM child, an interrupt for the thread start
     * method (CPython: {@code terminate()}). No effect on a process that has ended. Children of
     * the process are not terminated.
     */
    public void terminate() {
        startedPopen("terminate").terminate();
    }

    /** Stops the process at once: SIGKILL (CPython: {@code kill()}); an interrupt for threads. */
    public void kill() {
        startedPopen("kill").kill();
    }

    /**
     * Releases what this object holds (CPython: {@code close()}). Most methods throw afterwards.
     *
     * @throws IllegalStateException when the process is still running
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            Popen p = popen;
            if (p != null) {
                if (p.poll().isEmpty()) {
                    throw new IllegalStateException("Cannot close a process while it is still running. "
                            + "You should first call join() or terminate(): " + this);
                }
                p.close();
            }
            closed = true;
        }
    }

    // ------------------------------------------------------------------ attributes

    /** The name (CPython: {@code name}); {@code Process-N} (or {@code Process-N:M} in a child) by default. */
    public String name() {
        return name;
    }

    /**
     * Sets the name; only before start.
     *
     * @return this
     */
    public Process setName(String name) {
        java.util.Objects.requireNonNull(name, "name");
        synchronized (this) {
            checkUnstartedHandle("set the name of");
            this.name = name;
        }
        return this;
    }

    /** Whether the process is daemonic (CPython: {@code daemon}); inherited from the creator. */
    public boolean isDaemon() {
        return daemon;
    }

    /**
     * Sets the daemon flag; only before start.
     *
     * @return this
     */
    public Process setDaemon(boolean daemon) {
        synchronized (this) {
            checkUnstartedHandle("set the daemon flag of");
            this.daemon = daemon;
        }
        return this;
    }

    /**
     * The OS process id (CPython: {@code pid}); for the thread start method, this JVM's.
     *
     * @throws IllegalStateException when not started
     */
    public long pid() {
        return switch (role) {
            case CURRENT, MAIN -> ProcessHandle.current().pid();
            case PARENT -> parentPid;
            case HANDLE -> startedPopen("get the pid of").pid();
        };
    }

    /** The exit code, or empty while not ended (CPython: {@code exitcode}; see the class doc). */
    public OptionalInt exitCode() {
        checkNotClosed();
        Popen p = popen;
        return p == null ? OptionalInt.empty() : p.poll();
    }

    /** The authentication key (CPython: {@code authkey}); inherited from the parent. A copy. */
    public byte[] authkey() {
        byte[] k = authkeyRef();
        return k == null ? null : k.clone();
    }

    byte[] authkeyRef() {
        if (authkey == null && role == Role.HANDLE) {
            return Multiprocessing.currentProcess().authkeyRef();
        }
        if (authkey == null && role == Role.MAIN) {
            synchronized (this) {
                if (authkey == null) {
                    // made on first use: seeding a SecureRandom costs a cold JVM several ms
                    byte[] k = new byte[32];
                    new java.security.SecureRandom().nextBytes(k);
                    authkey = k;
                }
            }
        }
        return authkey;
    }

    /** The start method of this process's context. */
    public StartMethod startMethod() {
        return context != null ? context.startMethod() : Multiprocessing.defaultContext().startMethod();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName().isEmpty() ? "Process" : getClass().getSimpleName());
        sb.append("[name=").append(name);
        switch (role) {
            case MAIN, CURRENT -> sb.append(", pid=").append(ProcessHandle.current().pid()).append(", current");
            case PARENT -> sb.append(", pid=").append(parentPid).append(", parent");
            case HANDLE -> {
                Popen p = popen;
                if (closed) {
                    sb.append(", closed");
                } else if (p == null) {
                    sb.append(", initial");
                } else {
                    sb.append(", pid=").append(p.pid());
                    OptionalInt code = p.poll();
                    if (code.isPresent()) {
                        sb.append(", stopped, exitcode=").append(Signals.describe(code.getAsInt()));
                    } else {
                        sb.append(", started");
                    }
                }
            }
        }
        if (daemon) {
            sb.append(", daemon");
        }
        return sb.append(']').toString();
    }

    // ------------------------------------------------------------------ internals

    /** Payload kind: a plain process with a lambda target, in the codec's call format. */
    private static final byte PAYLOAD_CALL = 1;
    /** Payload kind: the process object, serialised whole (subclasses, other targets). */
    private static final byte PAYLOAD_OBJECT = 2;

    /**
     * The bytes a child rebuilds this process from: for a plain process with a lambda target, the
     * call format (a cold child reads it in about 5 ms instead of 25-34 ms through
     * ObjectInputStream, measured); else the whole object.
     */
    private byte[] encodePayload(Codec codec) {
        byte[] body = null;
        byte kind = PAYLOAD_CALL;
        if (getClass() == Process.class && target != null) {
            body = codec.encodeCall(target, args);
        }
        if (body == null) {
            kind = PAYLOAD_OBJECT;
            body = codec.encodeProcess(this);
        }
        byte[] payload = new byte[body.length + 1];
        payload[0] = kind;
        System.arraycopy(body, 0, payload, 1, body.length);
        return payload;
    }

    private static Process decodePayload(Codec codec, byte[] payload) {
        if (payload.length == 0) {
            throw new SerializationException("empty process payload", null, null);
        }
        return switch (payload[0]) {
            case PAYLOAD_CALL -> {
                Codec.Call call = codec.decodeCall(payload, 1);
                Process p = new Process(Role.CURRENT, "decoded", new int[0], false);
                p.target = call.target();
                p.args = call.args();
                yield p;
            }
            case PAYLOAD_OBJECT -> {
                Object o = codec.decodeProcess(payload, 1);
                if (!(o instanceof Process p)) {
                    throw new SerializationException("process payload holds a " + (o == null ? "null" : o.getClass().getName()),
                            o == null ? null : o.getClass().getName(), null);
                }
                yield p;
            }
            default -> throw new SerializationException("unknown process payload kind " + payload[0], null, null);
        };
    }

    Set<Process> children() {
        if (children == null) {
            synchronized (this) {
                if (children == null) {
                    children = ConcurrentHashMap.newKeySet();
                }
            }
        }
        return children;
    }

    private AtomicInteger childCounter() {
        if (childCounter == null) {
            synchronized (this) {
                if (childCounter == null) {
                    childCounter = new AtomicInteger();
                }
            }
        }
        return childCounter;
    }

    /** The children of this (current) process that are still alive; forgets ended ones. */
    List<Process> liveChildren() {
        List<Process> live = new ArrayList<>();
        for (Process c : children()) {
            if (c.popen != null && c.popen.poll().isEmpty()) {
                live.add(c);
            } else {
                children().remove(c);
            }
        }
        return live;
    }

    /** The parent as the child sees it, or null in the main process. */
    Process parentView() {
        if (role != Role.CURRENT || parentName == null) {
            return null;
        }
        Process p = new Process(Role.PARENT, parentName, new int[0], false);
        p.parentPid = parentPid;
        return p;
    }

    Popen popen() {
        return popen;
    }

    private Popen startedPopen(String action) {
        checkNotClosed();
        if (role != Role.HANDLE) {
            throw new IllegalStateException("cannot " + action + " " + describeRole() + "; only a child process created here");
        }
        Popen p = popen;
        if (p == null) {
            throw new IllegalStateException("cannot " + action + " a process that was not started: " + this);
        }
        return p;
    }

    private void checkUnstartedHandle(String action) {
        checkNotClosed();
        if (role != Role.HANDLE || popen != null) {
            throw new IllegalStateException("cannot " + action + " a process that has been started: " + this);
        }
    }

    private void checkNotClosed() {
        if (closed) {
            throw new IllegalStateException("process object is closed: " + name);
        }
    }

    private String describeRole() {
        return switch (role) {
            case MAIN -> "the main process";
            case CURRENT -> "the current process";
            case PARENT -> "the parent process";
            case HANDLE -> "process " + name;
        };
    }

    /** Runs a decoded process object as the current process: CPython's {@code _bootstrap}. */
    private static final class Bootstrap implements ProcessAccess {
        @Override
        public byte[] encodePayload(Codec codec, Object process) {
            return ((Process) process).encodePayload(codec);
        }

        @Override
        public Object decodePayload(Codec codec, byte[] payload) {
            return Process.decodePayload(codec, payload);
        }

        @Override
        public void rehearse(boolean sharedMemory, boolean managers) {
            LOG.isEnabled(System.Logger.Level.INFO);
            ExitFunction.rehearse();
            Multiprocessing.currentProcess().liveChildren();
            if (sharedMemory) {
                SharedWarmup.run(managers);
            }
        }

        @Override
        public int runAsChild(Object object, ChildSpec spec, boolean inThread) {
            if (!(object instanceof Process self)) {
                throw new IllegalStateException("payload is not a Process but " + (object == null ? "null" : object.getClass().getName()));
            }
            self.role = Role.CURRENT;
            self.name = spec.name();
            self.daemon = spec.daemon();
            self.identity = spec.identity();
            self.parentPid = spec.parentPid();
            self.parentName = spec.parentName();
            self.authkey = spec.authkey();
            if (inThread) {
                Multiprocessing.enterThreadProcess(self);
            } else {
                Multiprocessing.becomeChild(self, StartMethod.of(spec.startMethod()));
                if (!spec.logLevel().isEmpty()) {
                    Log.toStderr(System.Logger.Level.valueOf(spec.logLevel()));
                }
                Log.assumeBackendFloor(System.Logger.Level.valueOf(spec.backendLogFloor()));
            }
            int exitCode;
            try {
                LOG.info("child process calling self.run()");
                try {
                    self.run();
                    exitCode = 0;
                } catch (Throwable t) {
                    exitCode = 1;
                    synchronized (System.err) {
                        System.err.println("Process " + self.name + ":");
                        t.printStackTrace();
                    }
                }
                LOG.info("process shutting down");
                ExitFunction.run(self, !inThread);
                LOG.info("process exiting with exitcode %d", exitCode);
                System.out.flush();
                System.err.flush();
            } finally {
                if (inThread) {
                    Multiprocessing.leaveThreadProcess();
                }
            }
            return exitCode;
        }
    }
}
