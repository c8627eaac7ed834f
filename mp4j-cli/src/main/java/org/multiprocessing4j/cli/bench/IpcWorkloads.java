package org.multiprocessing4j.cli.bench;

import static org.multiprocessing4j.cli.bench.SyncWorkloads.check;
import static org.multiprocessing4j.cli.bench.SyncWorkloads.readyReserve;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;
import org.multiprocessing4j.Connection;
import org.multiprocessing4j.Context;
import org.multiprocessing4j.JoinableQueue;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Pipe;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.Queue;
import org.multiprocessing4j.SharedLongArray;
import org.multiprocessing4j.SimpleQueue;
import org.multiprocessing4j.StartMethod;
import org.multiprocessing4j.internal.process.Jit;

/**
 * {@code pipe_roundtrip}, {@code pipe_bytes_bandwidth}, {@code queue_throughput},
 * {@code queue_latency} and {@code joinable_queue} of the anchor's README, on this library's
 * {@link Pipe}, {@link Queue}, {@link SimpleQueue} and {@link JoinableQueue}.
 *
 * <p>As in the anchor: messages marked {@code int} are boxed ints {@code 0..N-1}; start-up is
 * untimed (the {@link Group} handshake, plus the reserve's refill); checks are on counts and sums
 * (each child writes its count and sum into a shared array before it reports done). Where the
 * anchor uses {@code None} as the sentinel, {@link Queue} uses {@code -1}: a {@code
 * BlockingQueue} refuses null ({@link SimpleQueue} takes null, and gets null here).
 */
final class IpcWorkloads {
    private IpcWorkloads() {}

    /**
     * The least number of round trips in a round-trip workload's warm-up: what HotSpot's default
     * thresholds need to bring a loop to C2 (60,000 back edges in the interpreter for tier 3,
     * 40,000 more in its profiled code for tier 4), with room for the round trips made while
     * each compilation is made.
     */
    private static final int JIT_WARM_UP_ROUND_TRIPS = 200_000;

    private static List<Double> repeats(Sizes sizes, SampleRun run) throws Exception {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < sizes.repeats(); i++) {
            out.add(run.sample());
        }
        return out;
    }

    private interface SampleRun {
        double sample() throws Exception;
    }

    /** A round-trip workload's timed function: {@code k} round trips, us per round trip. */
    private interface RoundTrips {
        double sample(int k) throws Exception;
    }

    /**
     * The untimed warm-up of a round-trip workload: the anchor's (one call of the timed function
     * with a tenth of the size, at least 100 round trips), repeated until
     * {@link #JIT_WARM_UP_ROUND_TRIPS} round trips are done; then this JVM's compiler finishes
     * what the warm-up queued. In a JIT-compiled runtime a warm-up is there to reach the code that
     * the timed repeats are meant to measure, in both processes (the child's loop runs through
     * the warm-up too).
     *
     * <p>Measured with the anchor's single call (2026-11-25, {@code -Xlog:jit+compilation} in
     * both JVMs, pipe round trips, 20,000 a sample): the warm-up's 2,000 round trips left the
     * parent's timed loop interpreted through the first two samples and the child's echo loop
     * compiling during them; the first of the seven samples was the slowest in every run (3-5
     * us, against 0.6-2.5). One call of 200,000 was no cure: C2 compiled the loop with its exit
     * as an uncommon trap (the exit had never been taken), the warm-up's end threw that code
     * away, and C2 compiled the loop again during the third sample. Calls of the timed
     * function's own shape, each ending, let the profile see the exit.
     *
     * <p>Measured before (2026-11-24): without the wait for this JVM's compiler, the first of
     * seven samples was the slowest by far in every sitting (pipe 15-21 us, queue 15-27 us).
     */
    private static void warmUp(RoundTrips run, int n) throws Exception {
        int call = Math.max(n / 10, 100);
        for (int done = 0; done < JIT_WARM_UP_ROUND_TRIPS; done += call) {
            run.sample(call);
        }
        Jit.awaitQuiet();
    }

    /** Joins a benchmark child and checks that it ended normally. */
    private static void joinOk(Process p) throws InterruptedException {
        p.join(java.time.Duration.ofSeconds(120));
        check(p.exitCode().orElse(-999) == 0, p + " exit code " + p.exitCode());
    }

    // ---------------------------------------------------------------- pipe_roundtrip

    /** The anchor's {@code _w_pipe_echo}: replies {@code x + 1} until it receives null. */
    static final class PipeEcho extends Process {
        private final Group group;
        private final Connection conn;
        private final SharedLongArray report;

        PipeEcho(Group group, Connection conn, SharedLongArray report) {
            this.group = group;
            this.conn = conn;
            this.report = report;
        }

        @Override
        public void run() throws IOException, InterruptedException {
            group.ready.release();
            long n = 0;
            while (true) {
                Object x = conn.recv();
                if (x == null) {
                    break;
                }
                conn.send((Integer) x + 1);
                n++;
            }
            report.set(0, n);
            group.done.release();
        }
    }

    /** Send int {@code i} over a duplex pipe, the child replies {@code i + 1}; us per round trip. */
    static final class PipeRoundtrip implements Workload {
        @Override
        public String name() {
            return "pipe_roundtrip";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            int n = sizes.count("pipe_rt_n");
            Multiprocessing.register(Group.class);
            Group g = new Group();
            Pipe pipe = Multiprocessing.pipe();
            SharedLongArray report = Multiprocessing.sharedLongArray(1);
            Process child = new PipeEcho(g, pipe.conn2(), report);
            readyReserve();
            child.start();
            g.awaitReady(1);
            readyReserve();
            Connection c = pipe.conn1();
            long[] done = {0};
            RoundTrips run = k -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < k; i++) {
                    c.send(i);
                    Object r = c.recv();
                    if (!(r instanceof Integer v) || v != i + 1) {
                        throw new IllegalStateException("pipe_roundtrip: unexpected reply " + r);
                    }
                }
                done[0] += k;
                return (System.nanoTime() - t0) / 1e3 / k;
            };
            warmUp(run, n);
            List<Double> samples = repeats(sizes, () -> run.sample(n));
            c.send(null);
            g.awaitDone(1);
            check(report.get(0) == done[0], "pipe_roundtrip: child echoed " + report.get(0) + ", expected " + done[0]);
            joinOk(child);
            c.close();
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("round_trips", n);
            params.put("message", "int");
            return List.of(new Result(name(), params, "us/roundtrip", "lower", samples));
        }
    }

    // ---------------------------------------------------------------- pipe_bytes_bandwidth

    /** The small acknowledgement of {@code pipe_bytes_bandwidth}: the length and two markers. */
    record Ack(int length, long head, long tail) implements Serializable {}

    private static final byte DATA = 0x44;
    private static final byte VERIFY = 0x56;
    private static final byte QUIT = 0x51;

    /** The anchor's {@code _w_pipe_sink}: acks data with its markers, verification with a CRC. */
    static final class PipeSink extends Process {
        private final Group group;
        private final Connection conn;
        private final SharedLongArray report;

        PipeSink(Group group, Connection conn, SharedLongArray report) {
            this.group = group;
            this.conn = conn;
            this.report = report;
        }

        @Override
        public void run() throws IOException, InterruptedException {
            group.ready.release();
            long n = 0;
            while (true) {
                byte[] b = conn.recvBytes();
                if (b[0] == DATA) {
                    conn.send(new Ack(b.length, marker(b, 1), marker(b, b.length - 8)));
                    n++;
                } else if (b[0] == VERIFY) {
                    CRC32 crc = new CRC32();
                    crc.update(b);
                    conn.send(new Ack(b.length, crc.getValue(), 0));
                } else if (b[0] == QUIT) {
                    break;
                } else {
                    throw new IllegalStateException("bad command byte " + b[0]);
                }
            }
            report.set(0, n);
            group.done.release();
        }
    }

    /** The 8 bytes at {@code at}, little-endian (the anchor's {@code marker.to_bytes(8, 'little')}). */
    static long marker(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    private static byte[] payload(int size, byte cmd, long marker, byte[] fill) {
        byte[] buf = java.util.Arrays.copyOf(fill, size);
        buf[0] = cmd;
        for (int i = 0; i < 8; i++) {
            buf[1 + i] = (byte) (marker >>> (8 * i));
            buf[size - 8 + i] = (byte) (marker >>> (8 * i));
        }
        return buf;
    }

    /** Stop-and-wait {@code sendBytes} with a small object ack per message; MB/s. */
    static final class PipeBytesBandwidth implements Workload {
        @Override
        public String name() {
            return "pipe_bytes_bandwidth";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            List<int[]> bw = sizes.pipeBandwidth();
            int maxSize = bw.stream().mapToInt(v -> v[0]).max().orElseThrow();
            byte[] fill = new byte[maxSize];
            byte[] block = new byte[65536];
            ThreadLocalRandom.current().nextBytes(block);
            for (int off = 0; off < maxSize; off += block.length) {
                System.arraycopy(block, 0, fill, off, block.length);
            }
            Multiprocessing.register(Group.class, Ack.class);
            Group g = new Group();
            Pipe pipe = Multiprocessing.pipe();
            SharedLongArray report = Multiprocessing.sharedLongArray(1);
            Process child = new PipeSink(g, pipe.conn2(), report);
            readyReserve();
            child.start();
            g.awaitReady(1);
            readyReserve();
            Connection c = pipe.conn1();
            long[] sent = {0};
            List<Result> out = new ArrayList<>();
            for (int[] v : bw) {
                int size = v[0];
                int k = v[1];
                byte[][] payloads = {payload(size, DATA, 1, fill), payload(size, DATA, 2, fill)};
                Ack[] expect = {new Ack(size, 1, 1), new Ack(size, 2, 2)};
                byte[] vp = payload(size, VERIFY, 7, fill);
                CRC32 crc = new CRC32();
                crc.update(vp);
                c.sendBytes(vp);
                check(new Ack(size, crc.getValue(), 0).equals(c.recv()), "pipe_bytes_bandwidth: crc mismatch for " + size + " bytes");
                vp = null;
                java.util.function.IntFunction<Double> run = kk -> {
                    try {
                        long t0 = System.nanoTime();
                        for (int i = 0; i < kk; i++) {
                            c.sendBytes(payloads[i & 1]);
                            Object a = c.recv();
                            if (!expect[i & 1].equals(a)) {
                                throw new IllegalStateException("pipe_bytes_bandwidth: bad ack " + a);
                            }
                        }
                        double dt = (System.nanoTime() - t0) / 1e9;
                        sent[0] += kk;
                        return kk * (double) size / dt / 1e6;
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                };
                run.apply(Math.max(1, k / 4));
                List<Double> samples = repeats(sizes, () -> run.apply(k));
                Map<String, Object> params = new LinkedHashMap<>();
                params.put("message_bytes", size);
                params.put("messages_per_repeat", k);
                params.put("ack", "per message");
                out.add(new Result(name(), params, "MB/s", "higher", samples));
            }
            c.sendBytes(new byte[] {QUIT});
            g.awaitDone(1);
            check(report.get(0) == sent[0], "pipe_bytes_bandwidth: child saw " + report.get(0) + " messages, expected " + sent[0]);
            joinOk(child);
            c.close();
            return out;
        }
    }

    // ---------------------------------------------------------------- queue_throughput

    /** Puts and takes of one queue kind, so that the producer and consumer code is one. */
    interface Channel extends Serializable {
        void put(Integer x) throws InterruptedException;

        Integer get() throws InterruptedException;

        /** The sentinel this kind carries: null where it can, -1 on a BlockingQueue. */
        Integer sentinel();

        void close();
    }

    record QueueChannel(Queue<Integer> q) implements Channel {
        @Override
        public void put(Integer x) throws InterruptedException {
            q.put(x);
        }

        @Override
        public Integer get() throws InterruptedException {
            return q.get();
        }

        @Override
        public Integer sentinel() {
            return -1;
        }

        @Override
        public void close() {
            q.close();
        }
    }

    record SimpleQueueChannel(SimpleQueue<Integer> q) implements Channel {
        @Override
        public void put(Integer x) {
            q.put(x);
        }

        @Override
        public Integer get() throws InterruptedException {
            return q.get();
        }

        @Override
        public Integer sentinel() {
            return null;
        }

        @Override
        public void close() {
            q.close();
        }
    }

    /** The anchor's {@code _w_producer}: puts {@code range(start, n, step)}, then the sentinels. */
    static final class Producer extends Process {
        private final Group group;
        private final Channel q;
        private final int start;
        private final int n;
        private final int step;
        private final int sentinels;
        private final SharedLongArray report;
        private final int slot;

        Producer(Context context, Group group, Channel q, int start, int n, int step, int sentinels, SharedLongArray report,
                int slot) {
            super(context);
            this.group = group;
            this.q = q;
            this.start = start;
            this.n = n;
            this.step = step;
            this.sentinels = sentinels;
            this.report = report;
            this.slot = slot;
        }

        @Override
        public void run() throws InterruptedException {
            group.readyThenAwaitGo();
            long count = produce(q, start, n, step, sentinels);
            report.set(2 * slot, count);
            group.done.release();
        }
    }

    /** The anchor's {@code _w_consumer}: takes until it has seen {@code sentinels} sentinels. */
    static final class Consumer extends Process {
        private final Group group;
        private final Channel q;
        private final int sentinels;
        private final SharedLongArray report;
        private final int slot;

        Consumer(Context context, Group group, Channel q, int sentinels, SharedLongArray report, int slot) {
            super(context);
            this.group = group;
            this.q = q;
            this.sentinels = sentinels;
            this.report = report;
            this.slot = slot;
        }

        @Override
        public void run() throws InterruptedException {
            group.readyThenAwaitGo();
            long[] ct = consume(q, sentinels);
            report.set(2 * slot, ct[0]);
            report.set(2 * slot + 1, ct[1]);
            group.done.release();
        }
    }

    /** The anchor's producer loop: puts {@code range(start, n, step)}, then the sentinels; returns the count put. */
    static long produce(Channel q, int start, int n, int step, int sentinels) throws InterruptedException {
        long count = 0;
        for (int i = start; i < n; i += step) {
            q.put(i);
            count++;
        }
        Integer sentinel = q.sentinel();
        for (int i = 0; i < sentinels; i++) {
            q.put(sentinel);
        }
        return count;
    }

    /** The anchor's consumer loop: takes until {@code sentinels} sentinels; returns the count and the sum taken. */
    static long[] consume(Channel q, int sentinels) throws InterruptedException {
        Integer sentinel = q.sentinel();
        long count = 0;
        long total = 0;
        int seen = 0;
        while (true) {
            Integer x = q.get();
            if (java.util.Objects.equals(x, sentinel)) {
                if (++seen == sentinels) {
                    break;
                }
                continue;
            }
            count++;
            total += x;
        }
        return new long[] {count, total};
    }

    /**
     * Rounds of {@link #warmLoops}: enough calls of each loop for C2 to compile it as a method
     * (HotSpot's {@code Tier4MinInvocationThreshold} is 600 calls, with enough back edges).
     */
    private static final int WARM_ROUNDS = 800;

    /**
     * The messages of warm-up round {@code r}: 20,000 (as many as the full size's untimed first
     * sample) every sixteenth round, 200 in the others.
     */
    private static int warmMessages(int r) {
        return r % 16 == 15 ? 20_000 : 200;
    }

    /**
     * The preload of {@code queue_throughput}'s context ({@code Context.Builder.preload}): each
     * pre-started JVM runs {@link #produce} and {@link #consume} in a producer thread and a
     * consumer thread, {@value #WARM_ROUNDS} rounds, so that C2 has compiled both loops before
     * a sample's process calls them. Without it a sample's children run their loops
     * interpreted, then at tier 3, and C2's compilations land in the middle of the timed window
     * (the nineteenth and twenty-third sessions' compile logs).
     *
     * <p>The rounds take the shapes of the samples' loops from the first round: both kinds of
     * queue in turn, one sentinel and two, steps of one and two, and now and then a long round,
     * whose values are past {@code Integer}'s cache. Code compiled from a profile that has seen
     * only some of them is thrown away at the first call that differs (an uncommon trap) and
     * compiled again inside the window. Measured (2026-11-25, {@code -Xlog:deoptimization} in
     * the children): with the kinds one after the other, some JVMs had no C2 code for
     * {@code produce} at READY; with short rounds only, the compiled loop failed a
     * {@code profile_predicate} at its head in most windows.
     */
    static void warmLoops() throws InterruptedException {
        Channel[] kinds = {new QueueChannel(Multiprocessing.queue()), new SimpleQueueChannel(Multiprocessing.simpleQueue())};
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread consumer = Thread.ofPlatform().name("bench-warm-consumer").start(() -> {
            try {
                for (int r = 0; r < WARM_ROUNDS; r++) {
                    long[] got = consume(kinds[r % 2], 1 + (r / 2) % 2);
                    if (got[0] != warmMessages(r)) {
                        throw new IllegalStateException("warm-up round " + r + ": took " + got[0]);
                    }
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        try {
            for (int r = 0; r < WARM_ROUNDS; r++) {
                int step = 1 + (r / 4) % 2;
                produce(kinds[r % 2], 0, step * warmMessages(r), step, 1 + (r / 2) % 2);
            }
        } finally {
            consumer.join(java.time.Duration.ofSeconds(60)); // the producer failed: the consumer waits for ever
            consumer.interrupt();
            for (Channel q : kinds) {
                q.close();
            }
        }
        if (failed.get() != null) {
            throw new IllegalStateException("queue_throughput's warm-up failed", failed.get());
        }
        if (consumer.isAlive()) {
            throw new IllegalStateException("queue_throughput's warm-up: the consumer did not finish in 60 s");
        }
    }

    /**
     * P producers and C consumers on one queue of a kind; msgs/s from go to the last done.
     *
     * <p>Its processes come from a context of its own whose warm reserve holds {@value #RESERVE}
     * pre-started JVMs, as many as a 2P2C sample starts at once, where the default context keeps
     * two: CPython forks every child from a warm parent, and with two pre-started JVMs two of
     * the four children were cold spawned JVMs, whose first 20,000 messages took 180-350 ms.
     * Measured (2026-11-24, a probe of 2P2C samples of 200,000 ints, ours only): 0.27-0.51M
     * msgs/s with a reserve of two, 2.2-5.7M with four. The price is start-up, untimed: each
     * sample waits until its four JVMs are replaced (about 3.3 s each, one after another), so
     * this workload has a longer time limit than the others.
     *
     * <p>The context preloads {@link #warmLoops} (CPython's {@code set_forkserver_preload}, for
     * a JVM): each pre-started JVM has compiled the producer's and the consumer's loops before a
     * sample starts a process in it, as CPython's forked children inherit their parent's state.
     * Without it the children's loops were compiled inside the timed window. Measured
     * (2026-11-25, alternating runs of {@code --only queue_throughput}, three each way, medians
     * of 7 samples, M msgs/s): one producer 6.1-7.6 without, 9.9-11.9 with; two producers
     * 3.9-5.3 without, 8.9-11.3 with. See docs/benchmarks.md (thirtieth session).
     */
    static final class QueueThroughput implements Workload {
        /** Pre-started JVMs of this workload's context: the processes of a 2P2C sample. */
        static final int RESERVE = 4;
        /** Whether the context preloads {@link #warmLoops} ({@code -Dmp4j.bench.queuePreload=false} for A/Bs). */
        static final boolean PRELOAD = !"false".equals(System.getProperty("mp4j.bench.queuePreload"));

        @Override
        public String name() {
            return "queue_throughput";
        }

        @Override
        public int timeLimitSeconds(Sizes sizes) {
            return 3 * sizes.workloadTimeLimitSeconds();
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            Context.Builder b = Context.builder(StartMethod.WARM).warmReserve(RESERVE);
            if (PRELOAD) {
                b.preload(IpcWorkloads::warmLoops);
            }
            try (Context context = b.build()) {
                context.register(Group.class, QueueChannel.class, SimpleQueueChannel.class);
                return run(sizes, context);
            }
        }

        private List<Result> run(Sizes sizes, Context context) throws Exception {
            int n = sizes.count("queue_n");
            List<Result> out = new ArrayList<>();
            for (String type : List.of("Queue", "SimpleQueue")) {
                for (int pc : new int[] {1, 2}) {
                    one(context, type, pc, Math.max(n / 10, 1000));
                    List<Double> samples = repeats(sizes, () -> one(context, type, pc, n));
                    Map<String, Object> params = new LinkedHashMap<>();
                    params.put("queue_type", type);
                    params.put("producers", pc);
                    params.put("consumers", pc);
                    params.put("messages", n);
                    params.put("message", "int");
                    out.add(new Result(name(), params, "msgs/s", "higher", samples));
                }
            }
            return out;
        }

        private static double one(Context context, String type, int pc, int n) throws InterruptedException {
            Group g = new Group(context);
            Channel q = type.equals("Queue") ? new QueueChannel(context.queue())
                    : new SimpleQueueChannel(context.simpleQueue());
            SharedLongArray report = context.sharedLongArray(4 * pc);
            List<Process> children = new ArrayList<>();
            for (int p = 0; p < pc; p++) {
                children.add(new Producer(context, g, q, p, n, pc, pc, report, p));
            }
            for (int c = 0; c < pc; c++) {
                children.add(new Consumer(context, g, q, pc, report, pc + c));
            }
            double dt = SyncWorkloads.runGroup(context, g, children);
            long put = 0;
            long count = 0;
            long total = 0;
            for (int p = 0; p < pc; p++) {
                put += report.get(2 * p);
            }
            for (int c = pc; c < 2 * pc; c++) {
                count += report.get(2 * c);
                total += report.get(2 * c + 1);
            }
            check(put == n, type + ": produced " + put + ", expected " + n);
            check(count == n, type + ": consumed " + count + ", expected " + n);
            check(total == (long) n * (n - 1) / 2, type + ": checksum mismatch");
            q.close();
            return n / dt;
        }
    }

    // ---------------------------------------------------------------- queue_latency

    /** The anchor's {@code _w_queue_echo}: takes {@code x} from one queue, puts {@code x + 1}. */
    static final class QueueEcho extends Process {
        private final Group group;
        private final Queue<Integer> in;
        private final Queue<Integer> out;
        private final SharedLongArray report;

        QueueEcho(Group group, Queue<Integer> in, Queue<Integer> out, SharedLongArray report) {
            this.group = group;
            this.in = in;
            this.out = out;
            this.report = report;
        }

        @Override
        public void run() throws InterruptedException {
            group.ready.release();
            long n = 0;
            while (true) {
                int x = in.get();
                if (x < 0) {
                    break;
                }
                out.put(x + 1);
                n++;
            }
            report.set(0, n);
            group.done.release();
        }
    }

    /** Ping-pong over two queues; us per round trip. */
    static final class QueueLatency implements Workload {
        @Override
        public String name() {
            return "queue_latency";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            int n = sizes.count("queue_lat_n");
            Multiprocessing.register(Group.class);
            Group g = new Group();
            Queue<Integer> qIn = Multiprocessing.queue();
            Queue<Integer> qOut = Multiprocessing.queue();
            SharedLongArray report = Multiprocessing.sharedLongArray(1);
            Process child = new QueueEcho(g, qIn, qOut, report);
            readyReserve();
            child.start();
            g.awaitReady(1);
            readyReserve();
            long[] done = {0};
            RoundTrips run = k -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < k; i++) {
                    qIn.put(i);
                    int r = qOut.get();
                    if (r != i + 1) {
                        throw new IllegalStateException("queue_latency: unexpected reply " + r);
                    }
                }
                done[0] += k;
                return (System.nanoTime() - t0) / 1e3 / k;
            };
            warmUp(run, n);
            List<Double> samples = repeats(sizes, () -> run.sample(n));
            qIn.put(-1);
            g.awaitDone(1);
            check(report.get(0) == done[0], "queue_latency: child echoed " + report.get(0) + ", expected " + done[0]);
            joinOk(child);
            qIn.close();
            qOut.close();
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("round_trips", n);
            params.put("message", "int");
            params.put("queue_type", "Queue");
            return List.of(new Result(name(), params, "us/roundtrip", "lower", samples));
        }
    }

    // ---------------------------------------------------------------- joinable_queue

    /** The anchor's {@code _w_jq_consumer}: get and taskDone until the sentinel. */
    static final class JoinableConsumer extends Process {
        private final Group group;
        private final JoinableQueue<Integer> q;
        private final SharedLongArray report;
        private final int slot;

        JoinableConsumer(Group group, JoinableQueue<Integer> q, SharedLongArray report, int slot) {
            this.group = group;
            this.q = q;
            this.report = report;
            this.slot = slot;
        }

        @Override
        public void run() throws InterruptedException {
            group.ready.release();
            long count = 0;
            long total = 0;
            while (true) {
                int x = q.get();
                if (x < 0) {
                    q.taskDone();
                    break;
                }
                count++;
                total += x;
                q.taskDone();
            }
            report.set(2 * slot, count);
            report.set(2 * slot + 1, total);
            group.done.release();
        }
    }

    /** The parent puts N ints, 2 consumers get and taskDone; items/s from the first put to join. */
    static final class JoinableQueueWorkload implements Workload {
        private static final int CONSUMERS = 2;

        @Override
        public String name() {
            return "joinable_queue";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            int n = sizes.count("jq_n");
            one(Math.max(n / 10, 1000));
            List<Double> samples = repeats(sizes, () -> one(n));
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("items", n);
            params.put("consumers", CONSUMERS);
            params.put("producer", "parent");
            params.put("message", "int");
            return List.of(new Result(name(), params, "items/s", "higher", samples));
        }

        private static double one(int n) throws InterruptedException {
            Multiprocessing.register(Group.class);
            Group g = new Group();
            JoinableQueue<Integer> q = Multiprocessing.joinableQueue();
            SharedLongArray report = Multiprocessing.sharedLongArray(2 * CONSUMERS);
            List<Process> children = new ArrayList<>();
            for (int c = 0; c < CONSUMERS; c++) {
                children.add(new JoinableConsumer(g, q, report, c));
            }
            readyReserve();
            for (Process p : children) {
                p.start();
            }
            g.awaitReady(CONSUMERS);
            readyReserve();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                q.put(i);
            }
            q.join();
            double dt = (System.nanoTime() - t0) / 1e9;
            for (int c = 0; c < CONSUMERS; c++) {
                q.put(-1);
            }
            g.awaitDone(CONSUMERS);
            for (Process p : children) {
                joinOk(p);
            }
            long count = 0;
            long total = 0;
            for (int c = 0; c < CONSUMERS; c++) {
                count += report.get(2 * c);
                total += report.get(2 * c + 1);
            }
            check(count == n, "joinable_queue: consumed " + count + ", expected " + n);
            check(total == (long) n * (n - 1) / 2, "joinable_queue: checksum mismatch");
            q.close();
            return n / dt;
        }
    }
}
