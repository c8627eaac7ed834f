package org.multiprocessing4j;

import java.util.List;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.process.Jit;
import org.multiprocessing4j.internal.shm.Futex;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * Runs the hot paths of the shared-memory objects in an idle pre-started JVM, so that a process
 * started there finds them compiled. Measured (this project's 2-core machines, JDK 25): in a cold
 * JVM, the first 10,000 lock/increment/unlock rounds run interpreted at 4-7 us each (the
 * {@code VarHandle}s on a memory segment are slow until compiled), and 310,000 rounds took over
 * 100 ms; after this warm-up, the same rounds took 18-20 ms. It also links the futex downcall
 * (57-83 ms the first time). The objects live on private segments removed at the end. It runs
 * only when the parent has used shared memory itself (about 150-200 ms of CPU per JVM), and in
 * AOT training runs.
 *
 * <p>Pipes and queues ({@link #runIpc}) are warmed the same way: the put/take paths of the ring
 * on one thread, then a ping-pong between two threads for the waiting paths. Measured before it
 * existed: a child's first 500 pipe round trips took 2 ms each and its first 5,000 about 0.1 ms
 * each, against 0.7 us once compiled; with it (and {@code SpinBudget}), batches of 1,000-5,000
 * round trips in a fresh child took 1-10 us each instead of 10-60 us (3 runs each way).
 *
 * <p>The one-thread part runs {@link #IPC_ROUNDS} rounds because fewer leave the put path half
 * compiled: with 5,000 rounds, {@code -XX:+LogCompilation} of the children showed
 * {@code Queue.put}, {@code Ring.put} and {@code Wire.encode} only at tier 3 (C1 with profiling,
 * slow on {@code VarHandle}s: a C1-only child moved 0.4M messages/s), so C2 compiled them during
 * the child's own run (67-170 ms of JIT inside a 100-200 ms run on 2 cores). With 20,000 only the
 * user's loop compiles in the child; the bench's queue_throughput 1P1C median went from 1.6M to
 * 3.4M msgs/s and queue_latency from 3.8 to 1.2 us (2026-11-23, same machine). runIpc then takes
 * 0.53-0.62 s a pass (see {@link #PASSES}) in the background preparation of each pre-started JVM.
 *
 * <p>In child JVMs this class is never compiled ({@code JvmCommand.WARM_UP}): its loops run in
 * the interpreter and call the library's entry points as a fresh user loop does, so that the
 * compiled versions of those entry points are the ones that reach C2. In a parent that calls
 * {@link Multiprocessing#warmUp} it is compiled as usual (its command line is the user's).
 */
final class SharedWarmup {
    private static final int ROUNDS = 20_000;
    /** Futex wakes with nobody to wake ({@link #runSync}): past C2's thresholds (5,000 calls). */
    private static final int WAKES = 20_000;
    /** Rounds of the one-thread part of the queue/pipe warm-up (5,000 left the put path at C1 tier 3). */
    private static final int IPC_ROUNDS = 20_000;
    /** Batches of one-call tasks and of 100-call chunks that compile a pool worker's loop. */
    private static final int POOL_BATCHES = 20;
    /** Round trips between two threads that compile the blocking paths of pipes and queues. */
    private static final int EXCHANGES = 500;
    /** Messages the joinable-queue warm-up puts between two joins that wait. */
    private static final int JOIN_BATCH = 50;
    /** The smallest ring a pipe may have: {@link #NARROW_BURST} messages of 1,000 bytes overfill it. */
    private static final long NARROW_RING = 8192;
    private static final int NARROW_BURST = 12;

    private SharedWarmup() {}

    /**
     * Passes over the shared-memory, queue/pipe and pool warm-ups ({@code -Dmp4j.warmup.passes},
     * at least 1). One pass left hot methods short of C2: a method the tiered policy compiles at
     * tier 2 while C2's queue is long (as it is all through a warm-up) moves on only when it is
     * called again after the queue has drained, and a method whose C2 code a later phase threw
     * away (a branch the earlier phases never took) was recompiled at tier 3 and not called enough
     * afterwards. Measured with {@code -Xlog:jit+compilation} (2026-11-23): after one pass,
     * {@code Ring.put} and about 80 other methods of the library were at tier 2 in every
     * pre-started JVM and were compiled by C2 during the child's timed work (43 of 112 bench
     * children compiled {@code Ring.put}); the second pass, after the compiler is quiet, runs with
     * complete profiles. The warm-up then takes 1.2-1.8 s of a pre-started JVM's idle time instead
     * of 0.85-0.95 s (one JVM alone on the machine, wall time); a last run of the queue and pipe
     * paths after the passes (see {@link #run}) adds about 0.5 s.
     */
    private static final int PASSES = Math.max(1, Integer.getInteger("mp4j.warmup.passes", 2));

    /** Runs the warm-up; {@code managers}: the manager paths too (see {@link #runManager}). */
    static void run(boolean managers) {
        for (int pass = 0; pass < PASSES; pass++) {
            if (pass > 0) {
                Jit.awaitQuiet();
            }
            runSync();
            runIpc();
            runPool();
        }
        // The queue and pipe paths once more with the compilers idle. A method the tiered policy
        // compiles at tier 2 while C2's queue is long moves on only when it is called again with
        // that queue short; one recompiled at tier 2 late in the last pass (after a trap) was
        // still there when a child started. Measured without this run (2026-11-24,
        // -XX:+LogCompilation of one-producer one-consumer queue children, 200,000 ints): in
        // about one child in four, C2 compiled Ring.put, Ring.takeLocked or Ring.take inside the
        // timed work (takeLocked: 28-50 ms, the sample then at 1.2-3.3 M msgs/s); with it, none
        // of the ring's methods in 16 children, and 8 samples at 5.6-6.8 M msgs/s.
        Jit.awaitQuiet();
        runIpc();
        if (managers) {
            runManagerOnce();
        }
    }

    /** Dict set/get pairs of the manager warm-up (and a third as many queue put/take pairs). */
    private static final int MANAGER_ROUNDS = Integer.getInteger("mp4j.warmup.managerRounds", 30_000);
    /** Fresh clients (each with its own connection and proxy) the rounds are spread over. */
    private static final int MANAGER_EPOCHS = 30;

    /**
     * Runs the manager warm-up ({@link #runManager}) in this JVM unless it ran already: a
     * pre-started JVM of a process that uses a manager runs it while idle, and a manager's server
     * process in the background once it serves (the JVM it runs in was prepared before its
     * parent used a manager).
     */
    static void runManagerOnce() {
        synchronized (SharedWarmup.class) {
            if (managerDone) {
                return;
            }
            managerDone = true;
        }
        runManager();
    }

    private static boolean managerDone; // guarded by SharedWarmup.class

    /**
     * A manager server and client in this JVM on a private Unix socket, when the parent talks to
     * a manager: the handshake (HMAC and SecureRandom, the JDK's security providers), Unix
     * sockets, the pipe upgrade, proxy classes, a proxy's way through the process format (pin
     * and claim), and {@link #MANAGER_ROUNDS} set/get pairs on a dict proxy (some queue put/take
     * pairs beside them), which compile the call path on both sides. The rounds are spread over
     * {@link #MANAGER_EPOCHS} clients, each with a new connection and travelled proxies, so that
     * the branches of a client's first calls and of a connection's end are in the profiles:
     * with one long client, a child's first call threw the compiled path away (an uncommon trap
     * where the method lookup or the thread's connection was missing) and the child's first
     * ~4,000 calls ran at 20-60 us per op while it recompiled. Measured before the warm-up
     * existed: a fresh child's first 10,000 pairs ran at 47-190 us per op and only reached 1-2 us
     * per op after about 60,000 (in one JVM); the bench's manager_dict_ops, whose every repeat
     * is a fresh child, measured 17 us per op.
     */
    @SuppressWarnings("unchecked")
    private static void runManager() {
        java.nio.file.Path socket = null;
        ManagerServer server = null;
        ManagerClient client = null;
        try {
            // in the user's private directory, named by pid: one left by a killed JVM is removed by the next
            socket = org.multiprocessing4j.internal.process.PrivateDir.fileFor("warmup-", ".sock");
            java.net.SocketAddress address = java.net.UnixDomainSocketAddress.of(socket);
            byte[] key = ManagerWire.randomBytes(32);
            Codec codec = new Codec(SharedWarmup.class.getClassLoader());
            server = ManagerServer.bind(address, key, java.util.Map.of(
                    "dict", new ManagerServer.Registered("dict", java.util.Map.class, null),
                    "Queue", new ManagerServer.Registered("Queue", java.util.concurrent.BlockingQueue.class, null)),
                    codec, ManagerWire.DEFAULT_MAX_FRAME, null);
            Thread.ofPlatform().daemon().name("mp4j-warmup-manager").start(server::serveForever);
            String[] names = new String[100];
            for (int k = 0; k < names.length; k++) {
                names[k] = "k" + k;
            }
            int perEpoch = Math.max(1, MANAGER_ROUNDS / MANAGER_EPOCHS);
            for (int epoch = 0; epoch < MANAGER_EPOCHS; epoch++) {
                // A new client each epoch, as each child is: its first calls take the branches
                // (no connection yet, method not yet looked up, the server's new connection and
                // its end) that a single long client would leave out of the profile, and the
                // compiled code would then give up at a child's first call and start over.
                client = ManagerClient.of(address, key, null, true, codec, ManagerWire.DEFAULT_MAX_FRAME);
                Object madeDict = ProxyHandler.proxy(client, "dict", client.create("dict", new Object[0]), java.util.Map.class, true);
                Object madeQueue = ProxyHandler.proxy(client, "Queue", client.create("Queue", new Object[0]),
                        java.util.concurrent.BlockingQueue.class, true);
                Object copy = codec.decodeProcess(codec.encodeProcess(new java.util.ArrayList<>(List.of(madeDict, madeQueue))));
                if (!(copy instanceof List<?> l) || !(l.get(0) instanceof ManagerProxy) || !(l.get(1) instanceof ManagerProxy)) {
                    throw new IllegalStateException("the proxies did not travel");
                }
                java.util.Map<Object, Object> d = (java.util.Map<Object, Object>) ((List<?>) copy).get(0);
                java.util.concurrent.BlockingQueue<Object> q = (java.util.concurrent.BlockingQueue<Object>) ((List<?>) copy).get(1);
                for (int i = 0; i < perEpoch; i++) {
                    int k = i % 100;
                    Object key1 = (i & 7) == 0 ? names[k] : (Object) k; // mostly Integer keys, some String
                    d.put(key1, i);
                    d.get(key1);
                    if (i % 3 == 0) {
                        q.put(key1);
                        q.take();
                    }
                }
                d.get("absent"); // a null reply
                q.poll(); // an empty queue's answer
                client.close();
                client = null;
            }
        } catch (Exception | Error e) {
            org.multiprocessing4j.internal.log.Log.of(SharedWarmup.class).debug("manager warm-up failed: %s", e);
        } finally {
            if (client != null) {
                client.close();
            }
            if (server != null) {
                server.close();
            }
            if (socket != null) {
                socket.toFile().delete();
            }
        }
    }

    /** Increments per thread in the contended part of the lock warm-up. */
    private static final int CONTENDED_ROUNDS = 20_000;

    /**
     * Two threads increment {@code counter} under {@code lock} and {@code value} under its own
     * lock: the branches of a lock that is taken (a failed compare-and-set, a sleeper to wake on
     * release) get into the profiles. Measured without it: in every child of the bench's lock_contended
     * and value_increment, Mutex.tryAcquire and Mutex.release hit an uncommon trap at the first
     * contention and ran deoptimised until recompiled (65 and 54 traps over 30 children).
     */
    private static void contend(Lock lock, Value counter, java.util.concurrent.locks.Lock valueLock, Value value) {
        long before = value.getLong();
        long counterBefore = counter.getLong();
        Runnable work = () -> {
            for (int i = 0; i < CONTENDED_ROUNDS; i++) {
                lock.lock();
                counter.set(counter.getLong() + 1);
                lock.unlock();
                valueLock.lock();
                value.set(value.getLong() + 1);
                valueLock.unlock();
            }
        };
        Thread other = Thread.ofPlatform().daemon().name("mp4j-warmup-contender").start(work);
        work.run();
        try {
            other.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (value.getLong() != before + 2L * CONTENDED_ROUNDS
                || counter.getLong() != counterBefore + 2L * CONTENDED_ROUNDS) {
            throw new IllegalStateException("contended lock warm-up computed a wrong result");
        }
    }

    private static void runSync() {
        Lock lock = new Lock();
        RLock rlock = new RLock();
        Value value = new Value(TypeCode.INT, 0, Boolean.TRUE);
        Value big = new Value(TypeCode.LONG, 0, null);
        Semaphore sem = new Semaphore(SharedRef.SEMAPHORE, 1);
        Event event = new Event();
        Array doubles = new Array(TypeCode.DOUBLE, 256, null);
        try {
            java.util.concurrent.locks.Lock valueLock = value.getLock();
            double sum = 0;
            for (int i = 0; i < ROUNDS; i++) {
                lock.lock();
                value.set(value.getLong() + 1);
                lock.unlock();
                valueLock.lock();
                value.set(value.getLong() + 1);
                valueLock.unlock();
                rlock.lock();
                rlock.unlock();
                big.incrementAndGet();
                if (sem.tryAcquire()) {
                    sem.release();
                }
                int j = i & 255;
                doubles.setDouble(j, i);
                sum += doubles.getDouble(j);
                if (event.isSet()) {
                    event.clear();
                }
            }
            if (value.getLong() != 2L * ROUNDS || big.getLong() != ROUNDS || sum <= 0) {
                throw new IllegalStateException("shared-memory warm-up computed a wrong result");
            }
            contend(lock, big, valueLock, value);
            Segment s = Segments.attach(event.ref().segment(), SharedRef.EVENT);
            try {
                // Links the downcall, and compiles the wake with C2 (nobody sleeps there: about
                // 0.4 us a call). The waiting paths above and in runIpc wake a few hundred times,
                // too few for C2: a producer child then compiled Futex.wake and the memory
                // segment methods it calls within its timed work, when its consumer first slept.
                long word = s.address(0);
                for (int i = 0; i < WAKES; i++) {
                    Futex.wake(word, 1);
                }
            } finally {
                Segments.release(s);
            }
        } finally {
            for (String name : List.of(lock.ref().segment(), rlock.ref().segment(), value.ref().segment(),
                    big.ref().segment(), sem.ref().segment(), event.ref().segment(), doubles.ref().segment())) {
                Segments.discard(name);
            }
        }
    }

    /** Queue, SimpleQueue and Pipe paths with the messages of the common case: ints, bytes, text. */
    private static void runIpc() {
        Codec codec = new Codec(SharedWarmup.class.getClassLoader());
        Queue<Object> queue = new Queue<>(SharedRef.QUEUE, 0, codec);
        Queue<Object> back = new Queue<>(SharedRef.QUEUE, 0, codec);
        SimpleQueue<Object> simple = new SimpleQueue<>(codec);
        Pipe pipe = Context.newPipe(true, codec);
        Queue<Object> bounded = new Queue<>(SharedRef.QUEUE, 1, codec);
        Pipe narrow = Context.newPipe(false, codec, NARROW_RING);
        Queue<Object> raced = new Queue<>(SharedRef.QUEUE, 0, codec);
        Semaphore handoff = new Semaphore(SharedRef.SEMAPHORE, 0);
        JoinableQueue<Object> jobs = new JoinableQueue<>(0, codec);
        List<String> names = List.of(queue.core.segment().name(), back.core.segment().name(),
                simple.core.segment().name(), pipe.conn1().segmentName(), bounded.core.segment().name(),
                narrow.conn1().segmentName(), raced.core.segment().name(), handoff.ref().segment(),
                jobs.core.segment().name());
        java.util.concurrent.atomic.AtomicLong racedSum = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong jobsSum = new java.util.concurrent.atomic.AtomicLong();
        byte[] small = new byte[64];
        byte[] kib = new byte[2048];
        byte[] thousand = new byte[1000];
        try {
            long sum = 0;
            // First the waiting paths (a consumer that waits, a producer that wakes it), so that
            // the profile the compiler works from has both branches of each wait: measured, a
            // warm-up without them left compiled code that was thrown away (unstable_if traps in
            // hasData and publishTail) at the first real wait in the child. Producers wait too:
            // for a bounded queue's limit and for room in a full ring (8 records of 1,000 bytes
            // fill NARROW_RING; a quarter of it is the longest unchunked record). Two consumers
            // race for the messages of one queue (the loser finds it empty under the lock: 2
            // consumer processes trapped there), and a semaphore wakes a sleeping taker.
            Runnable racer = () -> {
                try {
                    for (Object x; (x = raced.take()) instanceof Integer v && v >= 0; ) {
                        racedSum.addAndGet(v);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            Thread[] racers = {Thread.ofPlatform().daemon().name("mp4j-warmup-racer").start(racer),
                    Thread.ofPlatform().daemon().name("mp4j-warmup-racer").start(racer)};
            Thread echo = Thread.ofPlatform().daemon().name("mp4j-warmup-echo").start(() -> {
                try {
                    for (int i = 0; i < EXCHANGES; i++) {
                        handoff.acquire();
                        back.put(queue.take());
                        pipe.conn2().send(pipe.conn2().recv());
                        bounded.take();
                        bounded.take();
                        for (int k = 0; k < NARROW_BURST; k++) {
                            narrow.conn1().recv();
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            for (int i = 0; i < EXCHANGES; i++) {
                raced.put(i);
                raced.put(i);
                handoff.release();
                queue.put(i);
                sum += (Integer) back.take();
                pipe.conn1().send(i);
                sum += (Integer) pipe.conn1().recv();
                bounded.put(i);
                bounded.put(i); // waits below the limit until the echo has taken the first
                for (int k = 0; k < NARROW_BURST; k++) {
                    narrow.conn2().send(thousand); // the last ones wait for room
                }
            }
            echo.join(60_000);
            raced.put(-1); // one end mark for each racer: each stops at the first it takes
            raced.put(-1);
            for (Thread t : racers) {
                t.join(60_000);
            }
            if (racedSum.get() != (long) EXCHANGES * (EXCHANGES - 1) || racers[0].isAlive() || racers[1].isAlive()) {
                throw new IllegalStateException("queue race warm-up computed a wrong result");
            }
            // A joinable queue as CPython's examples use it: two consumers get and taskDone, the
            // producer puts a batch and joins, waiting until the batch is done (taskDone wakes
            // it). Measured without it: Ring.taskDone trapped at three branches in the consumer
            // children of the bench's joinable_queue; with it, 2 traps in 13 JVMs, both at the
            // one taskDone that wakes the joiner sleeping at the end.
            Runnable consumer = () -> {
                try {
                    for (;;) {
                        Object x = jobs.take();
                        jobs.taskDone();
                        if (!(x instanceof Integer v) || v < 0) {
                            break;
                        }
                        jobsSum.addAndGet(v);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            Thread[] consumers = {Thread.ofPlatform().daemon().name("mp4j-warmup-consumer").start(consumer),
                    Thread.ofPlatform().daemon().name("mp4j-warmup-consumer").start(consumer)};
            for (int i = 0; i < EXCHANGES; i++) {
                jobs.put(i);
                if (i % JOIN_BATCH == JOIN_BATCH - 1) {
                    jobs.join();
                }
            }
            jobs.put(-1); // one end mark for each consumer
            jobs.put(-1);
            jobs.join();
            for (Thread t : consumers) {
                t.join(60_000);
            }
            if (jobsSum.get() != (long) EXCHANGES * (EXCHANGES - 1) / 2 || consumers[0].isAlive() || consumers[1].isAlive()) {
                throw new IllegalStateException("joinable queue warm-up computed a wrong result");
            }
            // Then the common case until compiled; 2 KiB messages every other round move about
            // 20 MiB through the queue, so that giving memory back (per MiB) and the early wraps
            // to the ring's dense zone (per 4 MiB, see Ring) are part of the profile too.
            for (int i = 0; i < IPC_ROUNDS; i++) {
                queue.put(i);
                sum += (Integer) queue.get();
                simple.put(i);
                sum += (Integer) simple.get();
                pipe.conn1().send(i);
                sum += (Integer) pipe.conn2().recv();
                jobs.put(i);
                sum += (Integer) jobs.take();
                jobs.taskDone();
                if ((i & 1) == 0) {
                    queue.put(kib);
                    sum += ((byte[]) queue.take()).length;
                }
                if ((i & 7) == 0) {
                    pipe.conn2().sendBytes(small);
                    sum += pipe.conn1().recvBytes().length;
                    queue.offer("s");
                    sum += ((String) queue.poll()).length();
                    // every other tag of Wire once in a while, so that a child's first null (a
                    // sentinel), Long, Double or Boolean does not trap in the compiled switches
                    simple.put(null);
                    queue.put((long) i);
                    queue.put((double) i);
                    queue.put(Boolean.TRUE);
                    sum += simple.get() == null ? 1 : 0;
                    sum -= (Long) queue.take();
                    sum += (long) (double) (Double) queue.take();
                    sum += (Boolean) queue.take() ? 0 : 1;
                    jobs.join(); // nothing unfinished: returns at once
                }
            }
            long expected = 2L * EXCHANGES * (EXCHANGES - 1) / 2 + 4L * IPC_ROUNDS * (IPC_ROUNDS - 1) / 2
                    + (IPC_ROUNDS + 1) / 2 * 2048L + (IPC_ROUNDS + 7) / 8 * (64 + 1 + 1); // bytes, "s", the null
            if (echo.isAlive() || sum != expected) {
                throw new IllegalStateException("queue/pipe warm-up computed a wrong result");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pipe.conn1().close();
            pipe.conn2().close();
            narrow.conn1().close();
            narrow.conn2().close();
            for (String name : names) {
                Segments.discard(name);
            }
        }
    }
    static long square(Integer x) {
        return (long) x * x;
    }

    static long length(byte[] b) {
        return b.length;
    }

    static long twice(Integer x) {
        return 2L * x;
    }

    /**
     * A pool worker's loop ({@link PoolWorker} on a thread, fed by this one with the messages a
     * {@link Pool} sends): batches of 1,000 one-call tasks (apply, chunksize 1), of ten 100-call
     * chunks (map) and of four chunks of eight 64 KiB arrays (large arguments). Measured before it existed: a fresh pool's first 20,000 one-call
     * tasks ran at 24-35k tasks/s, the tenth such round at 0.6-1.3M/s, the same JIT warm-up in
     * every new worker.
     */
    private static void runPool() {
        Codec codec = new Codec(SharedWarmup.class.getClassLoader());
        codec.register(SharedWarmup.class);
        Pipe tasks = Context.newPipe(true, codec);
        Pipe control = Context.newPipe(false, codec);
        Array statusArray = new Array(TypeCode.LONG_LONG, 2, null);
        SharedLongArray status = new SharedLongArray(statusArray);
        List<String> names = List.of(tasks.conn1().segmentName(), control.conn1().segmentName(), statusArray.ref().segment());
        Thread worker = Thread.ofPlatform().daemon().name("mp4j-warmup-pool-worker").start(() -> {
            try {
                PoolWorker.run(tasks.conn2(), control.conn1(), status);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            PoolWire.Out cfg = new PoolWire.Out(256).writeByte(PoolWire.CONFIG);
            PoolWire.writeRegistry(cfg, codec.generation(), codec.registeredNames());
            cfg.writeInt(0).writeLong(0).writeLong(0).writeByte(0);
            control.conn2().sendBytes(cfg.bytes());
            Task1<Integer, Long> fn = SharedWarmup::square;
            tasks.conn1().sendBytes(PoolWire.define(1, codec.encodeFunction(fn)));
            Task1<byte[], Long> len = SharedWarmup::length;
            tasks.conn1().sendBytes(PoolWire.define(2, codec.encodeFunction(len)));
            // A third function, so that the worker's call of the task function has seen more
            // classes than the JIT's two-entry profile holds: compiled as a plain virtual call, it
            // no longer traps and recompiles when the user's own function arrives (measured: four
            // class-check traps and a recompilation of runTask in each worker's first sample).
            Task1<Integer, Long> twice = SharedWarmup::twice;
            tasks.conn1().sendBytes(PoolWire.define(3, codec.encodeFunction(twice)));
            byte[] payload = new byte[64 * 1024];
            PoolWire.Inbox inbox = new PoolWire.Inbox();
            PoolWire.Out batch = new PoolWire.Out(64 * 1024);
            long id = 0;
            long sum = 0;
            long expected = 0;
            for (int b = 0; b < 3 * POOL_BATCHES; b++) {
                int kind = b % 3; // 0: one-call tasks, 1: chunks of 100 ints, 2: chunks of 8 byte arrays
                int count = kind == 0 ? 1000 : kind == 1 ? 10 : 4;
                int calls = kind == 0 ? 1 : kind == 1 ? 100 : 8;
                batch.reset();
                batch.writeByte(PoolWire.BATCH).writeInt(count);
                for (int t = 0; t < count; t++) {
                    int lengthAt = batch.size();
                    boolean doubling = kind == 0 && (t & 1) == 1; // every other one-call task runs twice()
                    batch.writeInt(0).writeLong(++id).writeLong(kind == 2 ? 2 : doubling ? 3 : 1).writeInt(calls);
                    for (int c = 0; c < calls; c++) {
                        int x = t * calls + c;
                        batch.writeByte(1);
                        if (kind == 2) {
                            PoolWire.writeValue(batch, payload, codec);
                            expected += payload.length;
                        } else {
                            PoolWire.writeValue(batch, x, codec);
                            expected += doubling ? 2L * x : (long) x * x;
                        }
                    }
                    batch.putInt(lengthAt, batch.size() - lengthAt - 4);
                }
                tasks.conn1().sendBytes(batch.buffer(), 0, batch.size());
                for (int answered = 0; answered < count; ) {
                    PoolWire.In in = inbox.receive(tasks.conn1());
                    if (in.readByte() != PoolWire.RESULTS) {
                        throw new IllegalStateException("pool warm-up: unexpected answer");
                    }
                    int n = in.readInt();
                    for (int r = 0; r < n; r++) {
                        in.readLong();
                        in.readLong();
                        if (in.readByte() != PoolWire.OK) {
                            throw new IllegalStateException("pool warm-up: a task failed");
                        }
                        int values = in.readInt();
                        for (int v = 0; v < values; v++) {
                            sum += (Long) PoolWire.readValue(in, codec);
                        }
                    }
                    answered += n;
                }
            }
            tasks.conn1().close(); // the worker sees the end and returns
            worker.join(60_000);
            if (worker.isAlive() || sum != expected) {
                throw new IllegalStateException("pool warm-up computed a wrong result");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            tasks.conn1().close();
            control.conn2().close();
            for (String name : names) {
                Segments.discard(name);
            }
        }
    }
}
