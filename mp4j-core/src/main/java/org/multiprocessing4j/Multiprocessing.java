package org.multiprocessing4j;

import java.lang.System.Logger.Level;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.log.Log;
import org.multiprocessing4j.internal.process.Jit;

/**
 * The module-level API of CPython's {@code multiprocessing}: contexts, the current process,
 * children, logging.
 *
 * <pre>{@code
 * import org.multiprocessing4j.Multiprocessing;
 * import org.multiprocessing4j.Process;
 *
 * Process p = new Process(name -> System.out.println("hello " + name), "bob");
 * p.start();
 * p.join();
 * }</pre>
 *
 * <p>The shared contexts ({@link #context(String)}) are created on first use, one per start
 * method, and share one allow-list ({@link #register(Class[])}). The default start method is
 * {@code spawn}; {@link #setStartMethod(String)} changes it once, before the default context is
 * first used, as in CPython.
 */
public final class Multiprocessing {
    private static final Codec SHARED_CODEC = new Codec(Multiprocessing.class.getClassLoader());
    private static final Map<StartMethod, Context> CONTEXTS = new EnumMap<>(StartMethod.class); // guarded by class
    private static StartMethod defaultMethod; // guarded by class; null until fixed
    private static volatile Process jvmProcess = Process.mainProcess();
    private static final InheritableThreadLocal<Process> THREAD_PROCESS = new InheritableThreadLocal<>();

    private Multiprocessing() {}

    /**
     * The shared context of a start method: spawn, warm or thread (CPython: {@code get_context}).
     *
     * @throws IllegalArgumentException for an unknown name, listing the valid ones
     */
    public static Context context(String method) {
        return context(StartMethod.of(method));
    }

    /** The shared context of a start method. */
    public static synchronized Context context(StartMethod method) {
        Objects.requireNonNull(method, "method");
        return CONTEXTS.computeIfAbsent(method, m -> Context.shared(m, SHARED_CODEC));
    }

    /** The shared context of the default start method; fixes the default if not yet set. */
    public static synchronized Context defaultContext() {
        if (defaultMethod == null) {
            defaultMethod = StartMethod.SPAWN;
        }
        return context(defaultMethod);
    }

    /**
     * Sets the default start method (CPython: {@code set_start_method}).
     *
     * @throws IllegalStateException when the default context has already been set or used
     */
    public static void setStartMethod(String method) {
        setStartMethod(method, false);
    }

    /** Sets the default start method; with {@code force}, even when it was already set. */
    public static synchronized void setStartMethod(String method, boolean force) {
        StartMethod m = StartMethod.of(method);
        if (defaultMethod != null && !force && defaultMethod != m) {
            throw new IllegalStateException("context has already been set (start method " + defaultMethod.methodName()
                    + "); use setStartMethod(method, true) to change it");
        }
        defaultMethod = m;
    }

    /** The default start method's name (CPython: {@code get_start_method()}); fixes it if not yet set. */
    public static String getStartMethod() {
        return defaultContext().startMethod().methodName();
    }

    /** The start methods this platform supports (CPython: {@code get_all_start_methods()}). */
    public static List<String> allStartMethods() {
        return List.of("spawn", "warm", "thread");
    }

    /**
     * Adds classes to the allow-list of the shared contexts (see {@link Context#register}).
     */
    public static void register(Class<?>... classes) {
        SHARED_CODEC.register(classes);
    }

    /** The codec of the shared contexts (for handles deserialised outside any payload). */
    static Codec sharedCodec() {
        return SHARED_CODEC;
    }

    // ---- pipes and queues, on the shared contexts' codec ----

    /** A new duplex {@link Pipe} (CPython: {@code multiprocessing.Pipe()}); see {@link Context#pipe()}. */
    public static Pipe pipe() {
        return pipe(true);
    }

    /** A new {@link Pipe}; one-way when {@code duplex} is false (CPython: {@code Pipe(duplex)}). */
    public static Pipe pipe(boolean duplex) {
        return Context.newPipe(duplex, SHARED_CODEC);
    }

    /** A new unbounded {@link Queue} (CPython: {@code multiprocessing.Queue()}). */
    public static <E> Queue<E> queue() {
        return queue(0);
    }

    /** A new {@link Queue} holding at most {@code maxsize} messages, 0 for no limit (CPython: {@code Queue(maxsize)}). */
    public static <E> Queue<E> queue(int maxsize) {
        return new Queue<>(SharedRef.QUEUE, maxsize, SHARED_CODEC);
    }

    /** A new unbounded {@link JoinableQueue} (CPython: {@code multiprocessing.JoinableQueue()}). */
    public static <E> JoinableQueue<E> joinableQueue() {
        return joinableQueue(0);
    }

    /** A new {@link JoinableQueue} holding at most {@code maxsize} messages, 0 for no limit. */
    public static <E> JoinableQueue<E> joinableQueue(int maxsize) {
        return new JoinableQueue<>(maxsize, SHARED_CODEC);
    }

    /** A new {@link SimpleQueue} (CPython: {@code multiprocessing.SimpleQueue()}). */
    public static <E> SimpleQueue<E> simpleQueue() {
        return new SimpleQueue<>(SHARED_CODEC);
    }

    // ---- shared memory and synchronisation: the same objects in every context ----

    /**
     * Starts a {@link Manager}: a server process of shared objects, with the default context
     * (CPython: {@code multiprocessing.Manager()}). Close it when done (try-with-resources).
     */
    public static Manager manager() {
        return new Manager().start();
    }

    /** A new {@link Lock} (CPython: {@code multiprocessing.Lock()}); see {@link Context#lock()}. */
    public static Lock lock() {
        return new Lock();
    }

    /** A new {@link RLock} (CPython: {@code multiprocessing.RLock()}). */
    public static RLock rlock() {
        return new RLock();
    }

    /** A new {@link Semaphore} (CPython: {@code multiprocessing.Semaphore(value)}). */
    public static Semaphore semaphore(int permits) {
        return new Semaphore(SharedRef.SEMAPHORE, permits);
    }

    /** A new {@link BoundedSemaphore} (CPython: {@code multiprocessing.BoundedSemaphore(value)}). */
    public static BoundedSemaphore boundedSemaphore(int permits) {
        return new BoundedSemaphore(permits);
    }

    /** A new {@link Event} (CPython: {@code multiprocessing.Event()}). */
    public static Event event() {
        return new Event();
    }

    /** A new {@link Condition} over a new {@link RLock} (CPython: {@code multiprocessing.Condition()}). */
    public static Condition condition() {
        return new Condition((SharedLock) null);
    }

    /** A new {@link Barrier} (CPython: {@code multiprocessing.Barrier(parties, action, timeout)}); see {@link Context#barrier(int, Target, java.time.Duration)}. */
    public static Barrier barrier(int parties, Target action, java.time.Duration timeout) {
        return new Barrier(parties, action, timeout);
    }

    /** A new {@link Value} with its own lock (CPython: {@code multiprocessing.Value(typecode, value)}). */
    public static Value value(char typecode, Number initial) {
        return new Value(TypeCode.of(typecode), initial, Boolean.TRUE);
    }

    /** A new {@link Value} without a lock (CPython: {@code multiprocessing.RawValue(typecode, value)}). */
    public static Value rawValue(char typecode, Number initial) {
        return new Value(TypeCode.of(typecode), initial, null);
    }

    /** A new {@link Array} with its own lock (CPython: {@code multiprocessing.Array(typecode, size)}). */
    public static Array array(char typecode, int length) {
        return new Array(TypeCode.of(typecode), length, Boolean.TRUE);
    }

    /** A new {@link Array} without a lock (CPython: {@code multiprocessing.RawArray(typecode, size)}). */
    public static Array rawArray(char typecode, int length) {
        return new Array(TypeCode.of(typecode), length, null);
    }

    /** A new {@link SharedInt} with its own lock (a typed {@code Value('i', initial)}). */
    public static SharedInt sharedInt(int initial) {
        return new SharedInt(new Value(TypeCode.INT, initial, Boolean.TRUE));
    }

    /** A new {@link SharedLong} with its own lock (a typed {@code Value('q', initial)}). */
    public static SharedLong sharedLong(long initial) {
        return new SharedLong(new Value(TypeCode.LONG_LONG, initial, Boolean.TRUE));
    }

    /** A new {@link SharedDouble} with its own lock (a typed {@code Value('d', initial)}). */
    public static SharedDouble sharedDouble(double initial) {
        return new SharedDouble(new Value(TypeCode.DOUBLE, initial, Boolean.TRUE));
    }

    /** A new zero-filled {@link SharedIntArray} with its own lock (a typed {@code Array('i', length)}). */
    public static SharedIntArray sharedIntArray(int length) {
        return new SharedIntArray(new Array(TypeCode.INT, length, Boolean.TRUE));
    }

    /** A new zero-filled {@link SharedLongArray} with its own lock (a typed {@code Array('q', length)}). */
    public static SharedLongArray sharedLongArray(int length) {
        return new SharedLongArray(new Array(TypeCode.LONG_LONG, length, Boolean.TRUE));
    }

    /** A new zero-filled {@link SharedDoubleArray} with its own lock (a typed {@code Array('d', length)}). */
    public static SharedDoubleArray sharedDoubleArray(int length) {
        return new SharedDoubleArray(new Array(TypeCode.DOUBLE, length, Boolean.TRUE));
    }

    /**
     * The process this code runs in (CPython: {@code current_process()}): the main process, the
     * child's own process object in a child, or the thread's process for the thread start method.
     */
    public static Process currentProcess() {
        Process p = THREAD_PROCESS.get();
        return p != null ? p : jvmProcess;
    }

    /** The parent of the current process, or empty in a main process (CPython: {@code parent_process()}). */
    public static Optional<Process> parentProcess() {
        return Optional.ofNullable(currentProcess().parentView());
    }

    /**
     * The children of the current process that are still alive (CPython:
     * {@code active_children()}); as in CPython, ended children are forgotten on the way.
     */
    public static List<Process> activeChildren() {
        return List.copyOf(currentProcess().liveChildren());
    }

    /**
     * Compiles this JVM's side of the hot paths before they matter: runs locks, shared values,
     * pipes, queues and a pool worker's loop on private objects, and this JVM's part of a process
     * start (3,000 starts of an empty target with the thread start method, numbered apart from
     * the program's own processes), all in this JVM only (about 2-3 s of CPU on 2 cores), then
     * waits until the JIT compiler has been idle for a moment (at most a few seconds). Every
     * pre-started ({@code warm}) child JVM does the like while it waits in the reserve; this is
     * the parent's counterpart, for a program whose first messages, lock rounds or process starts
     * must already be fast (a latency-sensitive parent, a benchmark). Without it, those
     * paths run interpreted or at C1 for their first tens of thousands of calls, and the
     * compiler then works beside them. Optional: nothing else depends on it. No Python
     * counterpart.
     */
    public static void warmUp() {
        SharedWarmup.run(false);
        StartWarmup.run();
        Jit.awaitQuiet();
    }

    /** The number of processors this JVM may use (CPython: {@code cpu_count()}). */
    public static int cpuCount() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Sends the library's log messages at or above {@code level} to stderr in CPython's format,
     * {@code [INFO/Process-1] child process calling self.run()} (CPython: {@code log_to_stderr}).
     * Children started afterwards do the same. Use {@link Level#INFO} for the life-cycle lines.
     *
     * @return the library's logger
     */
    public static System.Logger logToStderr(Level level) {
        Log.toStderr(Objects.requireNonNull(level, "level"));
        return Log.logger();
    }

    /**
     * The library's logger, {@code org.multiprocessing4j} (CPython: {@code get_logger()}). It
     * says nothing below WARNING unless configured or {@link #logToStderr} is used.
     */
    public static System.Logger getLogger() {
        return Log.logger();
    }

    // ---- for Process ----

    static Process jvmProcess() {
        return jvmProcess;
    }

    /** In a child JVM: this JVM is the process {@code self}, whose default start method is {@code method}. */
    static synchronized void becomeChild(Process self, StartMethod method) {
        jvmProcess = self;
        defaultMethod = method;
    }

    static void enterThreadProcess(Process self) {
        THREAD_PROCESS.set(self);
    }

    static void leaveThreadProcess() {
        THREAD_PROCESS.remove();
    }
}
