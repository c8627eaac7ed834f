package org.multiprocessing4j;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.process.JvmCommand;
import org.multiprocessing4j.internal.process.JvmLauncher;
import org.multiprocessing4j.internal.process.Launcher;
import org.multiprocessing4j.internal.process.ThreadLauncher;

/**
 * The factory of processes for one start method, and the owner of what they share: the codec and
 * its allow-list, the launcher (report FIFO, warm reserve, AOT cache) and the child JVM
 * options. CPython's {@code multiprocessing.get_context(method)}.
 *
 * <pre>{@code
 * Context ctx = Multiprocessing.context("warm");
 * Process p = ctx.process(Demo::work, 42);
 * p.start();
 * p.join();
 * }</pre>
 *
 * <p>{@link Multiprocessing#context(String)} returns one shared context per start method, with one
 * shared allow-list. {@link #builder(StartMethod)} makes an independent one (own allow-list, own
 * options); close it when done. Closing stops idle pre-started JVMs and the report FIFO;
 * processes already started run on.
 *
 * <h2>Child JVM options</h2>
 * Children run with this JVM's java executable and class path, this JVM's code-relevant options
 * (system properties, module opens/exports, assertions) and {@link #DEFAULT_JVM_OPTIONS}, unless
 * the builder says otherwise.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class Context implements AutoCloseable {
    /**
     * The options child JVMs run with by default: the serial GC (a child is a small worker on a
     * machine shared with its siblings; no GC threads per core) and no perf-data file.
     *
     * <p>Left out on purpose: C1-only compilation ({@code -XX:TieredStopAtLevel=1}) took a child's
     * boot from about 41 ms to 36 ms (best of 7, this project's 2-core machines, within the noise
     * of single runs) but makes long computations several times slower, and long computations are
     * what processes are for. Add it with {@link Builder#jvmOptions} for short-lived children.
     *
     * <p>Loops compile ten times sooner than the JVM's default ({@code -XX:Tier3BackEdgeThreshold=6000
     * -XX:Tier4BackEdgeThreshold=4000}, from 60,000 and 40,000 back edges): a child's work is
     * often one loop in its target, entered once, which the JVM runs interpreted until it has
     * turned that many times and then replaces on the stack. Measured (2026-11-24, an echo child
     * from the warm reserve answering a queue ping-pong, samples of 10,000 round trips after
     * 1,000 untimed, 6 children each way): with the default thresholds the samples stayed at
     * 1.2-2.9 us per round trip for 30,000-60,000 round trips in half of the children, at
     * 0.9-1.0 in the others; with these, every child was at 0.63-0.92 us from its third sample.
     * Methods compile at the JVM's usual invocation counts.
     */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:-UsePerfData",
            "-XX:Tier3BackEdgeThreshold=6000", "-XX:Tier4BackEdgeThreshold=4000");

    /** The default number of pre-started JVMs of the warm start method. */
    public static final int DEFAULT_WARM_RESERVE = 2;

    private final StartMethod method;
    private final Codec codec;
    private final List<String> jvmOptions;
    private final boolean inheritJvmOptions;
    private final boolean aotCache;
    private final int warmReserve;
    /** The preload's {@link Codec#encodeFunction} bytes, or null (see {@link Builder#preload}). */
    private final byte[] preload;
    private Launcher launcher; // guarded by this
    private boolean closed; // guarded by this

    private Context(StartMethod method, Codec codec, List<String> jvmOptions, boolean inheritJvmOptions,
            boolean aotCache, int warmReserve, byte[] preload) {
        this.method = method;
        this.codec = codec;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.inheritJvmOptions = inheritJvmOptions;
        this.aotCache = aotCache;
        this.warmReserve = warmReserve;
        this.preload = preload;
    }

    static Context shared(StartMethod method, Codec codec) {
        return new Context(method, codec, DEFAULT_JVM_OPTIONS, true, true, DEFAULT_WARM_RESERVE, null);
    }

    /** A builder of an independent context for {@code method}. */
    public static Builder builder(StartMethod method) {
        return new Builder(Objects.requireNonNull(method, "method"));
    }

    /** The start method (CPython: {@code get_start_method()}). */
    public StartMethod startMethod() {
        return method;
    }

    /** A process running {@code target} (CPython: {@code ctx.Process(target=...)}). */
    public Process process(Target target) {
        return new Process(new Process.Init(this, Objects.requireNonNull(target, "target"), new Object[0]));
    }

    /** A process running {@code target(a)}. */
    public <A> Process process(Target1<A> target, A a) {
        return new Process(new Process.Init(this, Objects.requireNonNull(target, "target"), new Object[] {a}));
    }

    /** A process running {@code target(a, b)}. */
    public <A, B> Process process(Target2<A, B> target, A a, B b) {
        return new Process(new Process.Init(this, Objects.requireNonNull(target, "target"), new Object[] {a, b}));
    }

    /** A process running {@code target(a, b, c)}. */
    public <A, B, C> Process process(Target3<A, B, C> target, A a, B b, C c) {
        return new Process(new Process.Init(this, Objects.requireNonNull(target, "target"), new Object[] {a, b, c}));
    }

    // ---- shared memory and synchronisation (the same objects for every start method) ----

    /**
     * A new duplex {@link Pipe} (CPython: {@code Pipe()}): both ends send and receive; messages
     * are encoded with this context's codec.
     */
    public Pipe pipe() {
        return pipe(true);
    }

    /** A new {@link Pipe}; with {@code duplex} false, {@code conn1} only receives and {@code conn2} only sends (CPython: {@code Pipe(duplex)}). */
    public Pipe pipe(boolean duplex) {
        return newPipe(duplex, codec);
    }

    static Pipe newPipe(boolean duplex, Codec codec) {
        return newPipe(duplex, codec, org.multiprocessing4j.internal.ipc.PipeEnd.CAPACITY);
    }

    /** A pipe whose rings hold {@code ringCapacity} bytes each (a power of two; the pool's task pipes are larger). */
    static Pipe newPipe(boolean duplex, Codec codec, long ringCapacity) {
        org.multiprocessing4j.internal.ipc.PipeEnd[] ends =
                org.multiprocessing4j.internal.ipc.PipeEnd.create(SharedRef.PIPE, duplex, codec, ringCapacity);
        return new Pipe(new Connection(ends[0]), new Connection(ends[1]));
    }

    /** A new unbounded {@link Queue} (CPython: {@code Queue()}); elements are encoded with this context's codec. */
    public <E> Queue<E> queue() {
        return queue(0);
    }

    /** A new {@link Queue} of at most {@code maxsize} messages, 0 for no limit (CPython: {@code Queue(maxsize)}). */
    public <E> Queue<E> queue(int maxsize) {
        return new Queue<>(SharedRef.QUEUE, maxsize, codec);
    }

    /** A new unbounded {@link JoinableQueue} (CPython: {@code JoinableQueue()}). */
    public <E> JoinableQueue<E> joinableQueue() {
        return joinableQueue(0);
    }

    /** A new {@link JoinableQueue} of at most {@code maxsize} messages, 0 for no limit. */
    public <E> JoinableQueue<E> joinableQueue(int maxsize) {
        return new JoinableQueue<>(maxsize, codec);
    }

    /** A new {@link SimpleQueue} (CPython: {@code SimpleQueue()}). */
    public <E> SimpleQueue<E> simpleQueue() {
        return new SimpleQueue<>(codec);
    }

    /** A {@link Pool} of {@code processes} workers started by this context (CPython: {@code ctx.Pool(n)}). */
    public Pool pool(int processes) {
        return Pool.builder().context(this).processes(processes).build();
    }

    /** A {@link Pool.Builder} whose workers this context starts. */
    public Pool.Builder poolBuilder() {
        return Pool.builder().context(this);
    }

    /**
     * Starts a {@link Manager} whose server process runs with this context's start method and
     * whose values use this context's allow-list (CPython: {@code ctx.Manager()}).
     */
    public Manager manager() {
        return new Manager().context(this).start();
    }

    /** A new {@link Lock} (CPython: {@code ctx.Lock()}). */
    public Lock lock() {
        return new Lock();
    }

    /** A new {@link RLock} (CPython: {@code ctx.RLock()}). */
    public RLock rlock() {
        return new RLock();
    }

    /**
     * A new {@link Semaphore} with {@code permits} (CPython: {@code ctx.Semaphore(value)}).
     *
     * @throws IllegalArgumentException when permits is negative
     */
    public Semaphore semaphore(int permits) {
        return new Semaphore(SharedRef.SEMAPHORE, permits);
    }

    /** A new {@link BoundedSemaphore} (CPython: {@code ctx.BoundedSemaphore(value)}). */
    public BoundedSemaphore boundedSemaphore(int permits) {
        return new BoundedSemaphore(permits);
    }

    /** A new {@link Event}, clear (CPython: {@code ctx.Event()}). */
    public Event event() {
        return new Event();
    }

    /** A new {@link Condition} over a new {@link RLock} (CPython: {@code ctx.Condition()}). */
    public Condition condition() {
        return new Condition((SharedLock) null);
    }

    /**
     * A new {@link Condition} over {@code lock}, a {@link Lock} or {@link RLock} of this library
     * (CPython: {@code ctx.Condition(lock)}).
     *
     * @throws IllegalArgumentException for any other lock
     */
    public Condition condition(java.util.concurrent.locks.Lock lock) {
        return new Condition(sharedLock(lock));
    }

    /** A new {@link Barrier} without action or default timeout (CPython: {@code ctx.Barrier(parties)}). */
    public Barrier barrier(int parties) {
        return new Barrier(parties, null, null);
    }

    /**
     * A new {@link Barrier} (CPython: {@code ctx.Barrier(parties, action, timeout)}).
     *
     * @param action run by the last party to arrive, in its process; null for none
     * @param timeout the default timeout of {@link Barrier#await()}; null for none
     */
    public Barrier barrier(int parties, Target action, Duration timeout) {
        return new Barrier(parties, action, timeout);
    }

    /**
     * A new {@link Value} with its own {@link RLock} (CPython: {@code ctx.Value(typecode, value)}).
     *
     * @throws IllegalArgumentException for a bad typecode or a value out of its range
     */
    public Value value(char typecode, Number initial) {
        return new Value(TypeCode.of(typecode), initial, Boolean.TRUE);
    }

    /**
     * A new {@link Value} guarded by {@code lock} (CPython: {@code ctx.Value(typecode, value, lock=lock)}).
     *
     * @param lock a {@link Lock} or {@link RLock}
     */
    public Value value(char typecode, Number initial, java.util.concurrent.locks.Lock lock) {
        return new Value(TypeCode.of(typecode), initial, sharedLock(lock));
    }

    /** A new {@link Value} without a lock (CPython: {@code ctx.RawValue(typecode, value)}). */
    public Value rawValue(char typecode, Number initial) {
        return new Value(TypeCode.of(typecode), initial, null);
    }

    /**
     * A new zero-filled {@link Array} with its own {@link RLock} (CPython: {@code ctx.Array(typecode, size)}).
     *
     * @throws IllegalArgumentException for a bad typecode or a negative length
     */
    public Array array(char typecode, int length) {
        return new Array(TypeCode.of(typecode), length, Boolean.TRUE);
    }

    /** A new zero-filled {@link Array} guarded by {@code lock} (a {@link Lock} or {@link RLock}). */
    public Array array(char typecode, int length, java.util.concurrent.locks.Lock lock) {
        return new Array(TypeCode.of(typecode), length, sharedLock(lock));
    }

    /** A new zero-filled {@link Array} without a lock (CPython: {@code ctx.RawArray(typecode, size)}). */
    public Array rawArray(char typecode, int length) {
        return new Array(TypeCode.of(typecode), length, null);
    }

    /** A new {@link SharedInt} with its own {@link RLock} (a typed {@code Value('i', initial)}). */
    public SharedInt sharedInt(int initial) {
        return new SharedInt(new Value(TypeCode.INT, initial, Boolean.TRUE));
    }

    /** A new {@link SharedInt} without a lock (a typed {@code RawValue('i', initial)}). */
    public SharedInt rawSharedInt(int initial) {
        return new SharedInt(new Value(TypeCode.INT, initial, null));
    }

    /** A new {@link SharedLong} with its own {@link RLock} (a typed {@code Value('q', initial)}). */
    public SharedLong sharedLong(long initial) {
        return new SharedLong(new Value(TypeCode.LONG_LONG, initial, Boolean.TRUE));
    }

    /** A new {@link SharedLong} without a lock (a typed {@code RawValue('q', initial)}). */
    public SharedLong rawSharedLong(long initial) {
        return new SharedLong(new Value(TypeCode.LONG_LONG, initial, null));
    }

    /** A new {@link SharedDouble} with its own {@link RLock} (a typed {@code Value('d', initial)}). */
    public SharedDouble sharedDouble(double initial) {
        return new SharedDouble(new Value(TypeCode.DOUBLE, initial, Boolean.TRUE));
    }

    /** A new {@link SharedDouble} without a lock (a typed {@code RawValue('d', initial)}). */
    public SharedDouble rawSharedDouble(double initial) {
        return new SharedDouble(new Value(TypeCode.DOUBLE, initial, null));
    }

    /** A new zero-filled {@link SharedIntArray} with its own {@link RLock} (a typed {@code Array('i', length)}). */
    public SharedIntArray sharedIntArray(int length) {
        return new SharedIntArray(new Array(TypeCode.INT, length, Boolean.TRUE));
    }

    /** A new zero-filled {@link SharedIntArray} without a lock (a typed {@code RawArray('i', length)}). */
    public SharedIntArray rawSharedIntArray(int length) {
        return new SharedIntArray(new Array(TypeCode.INT, length, null));
    }

    /** A new zero-filled {@link SharedLongArray} with its own {@link RLock} (a typed {@code Array('q', length)}). */
    public SharedLongArray sharedLongArray(int length) {
        return new SharedLongArray(new Array(TypeCode.LONG_LONG, length, Boolean.TRUE));
    }

    /** A new zero-filled {@link SharedLongArray} without a lock (a typed {@code RawArray('q', length)}). */
    public SharedLongArray rawSharedLongArray(int length) {
        return new SharedLongArray(new Array(TypeCode.LONG_LONG, length, null));
    }

    /** A new zero-filled {@link SharedDoubleArray} with its own {@link RLock} (a typed {@code Array('d', length)}). */
    public SharedDoubleArray sharedDoubleArray(int length) {
        return new SharedDoubleArray(new Array(TypeCode.DOUBLE, length, Boolean.TRUE));
    }

    /** A new zero-filled {@link SharedDoubleArray} without a lock (a typed {@code RawArray('d', length)}). */
    public SharedDoubleArray rawSharedDoubleArray(int length) {
        return new SharedDoubleArray(new Array(TypeCode.DOUBLE, length, null));
    }

    private static SharedLock sharedLock(java.util.concurrent.locks.Lock lock) {
        Objects.requireNonNull(lock, "lock");
        if (lock instanceof SharedLock l) {
            return l;
        }
        throw new IllegalArgumentException("not a lock shared between processes: " + lock.getClass().getName()
                + "; use ctx.lock() or ctx.rlock()");
    }

    /**
     * Adds classes to this context's allow-list: the classes of objects that cross process
     * boundaries (arguments, fields of process subclasses, later queue items). JDK value and
     * collection types need no registration. Register before starting processes that use them;
     * a later registration works but makes pre-started JVMs rebuild their codec.
     *
     * @return this
     */
    public Context register(Class<?>... classes) {
        codec.register(classes);
        return this;
    }

    /**
     * Gets the start method ready for fast starts and waits for it: builds the codec, the AOT
     * cache of child JVMs when the class path allows one, and fills the warm reserve. Optional:
     * without it the same happens in the background on first use.
     *
     * @return true when everything was ready within the timeout
     */
    public boolean prepare(Duration timeout) throws InterruptedException {
        return launcher().prepare(Objects.requireNonNull(timeout, "timeout"));
    }

    Codec codec() {
        return codec;
    }

    synchronized Launcher launcher() {
        if (closed) {
            throw new IllegalStateException("context is closed: " + method.methodName());
        }
        if (launcher == null) {
            launcher = switch (method) {
                case THREAD -> new ThreadLauncher(codec);
                case SPAWN -> new JvmLauncher(codec, new JvmCommand(jvmOptions, inheritJvmOptions), aotCache, 0, null);
                case WARM -> new JvmLauncher(codec, new JvmCommand(jvmOptions, inheritJvmOptions), aotCache, warmReserve,
                        preload);
            };
        }
        return launcher;
    }

    /** Stops idle pre-started JVMs and the report FIFO. Started processes run on. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (launcher != null) {
                launcher.close();
            }
        }
    }

    @Override
    public String toString() {
        return "Context[" + method.methodName() + "]";
    }

    /** Options of an independent context. */
    public static final class Builder {
        private final StartMethod method;
        private List<String> jvmOptions = DEFAULT_JVM_OPTIONS;
        private boolean inheritJvmOptions = true;
        private boolean aotCache = true;
        private int warmReserve = DEFAULT_WARM_RESERVE;
        private Target preload;

        private Builder(StartMethod method) {
            this.method = method;
        }

        /** Options for child JVMs instead of {@link #DEFAULT_JVM_OPTIONS} (e.g. {@code -Xmx256m}). */
        public Builder jvmOptions(List<String> options) {
            this.jvmOptions = List.copyOf(options);
            return this;
        }

        /** Whether children get this JVM's system properties, module options and assertions (default true). */
        public Builder inheritJvmOptions(boolean inherit) {
            this.inheritJvmOptions = inherit;
            return this;
        }

        /** Whether to build and use an AOT cache for child JVMs when the class path allows (default true). */
        public Builder aotCache(boolean use) {
            this.aotCache = use;
            return this;
        }

        /** How many JVMs the warm start method keeps pre-started (default 2; at least 1). */
        public Builder warmReserve(int jvms) {
            if (jvms < 1) {
                throw new IllegalArgumentException("warm reserve must be at least 1, got " + jvms);
            }
            this.warmReserve = jvms;
            return this;
        }

        /**
         * Code that every pre-started JVM of the warm start method runs once, before it joins the
         * reserve: CPython's {@code set_forkserver_preload}, for a JVM. Where CPython's forkserver
         * imports modules so that forked children inherit them, a pre-started JVM runs
         * {@code warmUp}, so that the classes it touches are loaded and the code it runs often is
         * compiled before a process starts in that JVM. A process whose target is a short loop,
         * started and timed at once, otherwise runs its first milliseconds interpreted and then
         * beside its own JIT compilations.
         *
         * <pre>{@code
         * Context ctx = Context.builder(StartMethod.WARM)
         *         .preload(Worker::warmUp) // e.g. runs Worker's hot loop on a private queue
         *         .build();
         * }</pre>
         *
         * <p>What it may count on and what it should not do:
         * <ul>
         * <li>It runs in the reserve JVM after the library's own warm-up and before the JVM
         *     reports that it is ready, on a thread of its own; {@link Context#prepare} waits for
         *     it as part of filling the reserve. It runs no process: {@link
         *     Multiprocessing#currentProcess()} there is that JVM's main process, and it should
         *     not start processes.
         * <li>Objects it makes stay in that JVM: a queue or a segment it creates is private to it
         *     and is let go of when that JVM ends, as any process's are.
         * <li>It is an optimisation: processes must not depend on it having run. A start that
         *     finds the reserve empty spawns a fresh JVM, which does not run it.
         * <li>When it throws, that JVM prints the stack trace on standard error and ends, this
         *     context logs a warning, stops refilling its reserve, and from then on its starts
         *     spawn fresh JVMs ({@link Context#prepare} returns false). One that never returns
         *     keeps its JVM out of the reserve, and refilling waits behind it: starts spawn.
         * </ul>
         *
         * <p>It travels as a process target does: a serializable lambda or method reference whose
         * declaring class joins this context's allow-list, or a registered class. A value it
         * captures that cannot be serialised fails {@link #build()}, with the class named.
         *
         * @throws IllegalArgumentException when this builder's start method is not
         *     {@link StartMethod#WARM}: the other methods keep no pre-started JVMs
         */
        public Builder preload(Target warmUp) {
            Objects.requireNonNull(warmUp, "warmUp");
            if (method != StartMethod.WARM) {
                throw new IllegalArgumentException("a preload runs in the pre-started JVMs of the warm start method;"
                        + " the " + method.methodName() + " start method keeps none");
            }
            this.preload = warmUp;
            return this;
        }

        /**
         * The context, with a fresh allow-list.
         *
         * @throws SerializationException when the {@linkplain #preload
         *     preload} cannot be serialised (the class is named)
         */
        public Context build() {
            Codec codec = new Codec(Context.class.getClassLoader());
            byte[] encodedPreload = null;
            if (preload != null) {
                codec.register(Codec.declaringClassOf(preload, preload.getClass().getClassLoader()));
                encodedPreload = codec.encodeFunction(preload);
            }
            return new Context(method, codec, jvmOptions, inheritJvmOptions, aotCache, warmReserve, encodedPreload);
        }
    }
}
