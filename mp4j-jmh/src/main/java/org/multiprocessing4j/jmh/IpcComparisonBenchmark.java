package org.multiprocessing4j.jmh;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.multiprocessing4j.Connection;
import org.multiprocessing4j.Context;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Pipe;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.Queue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * This library's queue and pipe beside Agrona's ring buffers, the reference for Java IPC through
 * shared memory, between two real processes: the benchmark thread in the JMH fork and a child JVM
 * started with this library (spawn; its start-up is outside the measurement). The Agrona rings
 * live in a memory-mapped file in /dev/shm that both processes map.
 *
 * <ul>
 *   <li>{@code roundTrip}: send an int, the child replies int + 1 (CPython's pipe_roundtrip and
 *       queue_latency shape).
 *   <li>{@code receive}: the child produces ints as fast as it can; one operation is one int
 *       received (queue_throughput with one producer and one consumer).
 * </ul>
 *
 * What is compared is not the same contract: Agrona's {@code OneToOneRingBuffer} is one producer
 * and one consumer and {@code ManyToOneRingBuffer} many producers and one consumer, both of raw
 * bytes, with busy-spinning waiters (an Agrona user picks an idle strategy; here: spin). This
 * library's queue is many producers and many consumers of objects, with robust locks (a killed
 * process is survived), waits that sleep after a short spin, and an unbounded, memory-returning
 * ring (bounded here to 65,536 messages for {@code receive}). Run: {@code ./mp4j jmh IpcComparison}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED"})
public class IpcComparisonBenchmark {
    /** Agrona ring capacity (data bytes, a power of two). */
    static final int AGRONA_CAPACITY = 1 << 20;
    static final int MSG = 1;

    static Context context() {
        return Multiprocessing.context("spawn");
    }

    // ------------------------------------------------------------------ Agrona over a mapped file

    static Path newRingFile() throws IOException {
        Path p = Path.of("/dev/shm", "agrona-jmh-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(AGRONA_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH);
        }
        return p;
    }

    static RingBuffer mapRing(String path, boolean manyToOne) throws IOException {
        try (FileChannel ch = FileChannel.open(Path.of(path), java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size());
            UnsafeBuffer buf = new UnsafeBuffer(mb);
            return manyToOne ? new ManyToOneRingBuffer(buf) : new OneToOneRingBuffer(buf);
        }
    }

    static void write(RingBuffer ring, UnsafeBuffer scratch, int v) {
        scratch.putInt(0, v);
        while (!ring.write(MSG, scratch, 0, 4)) {
            Thread.onSpinWait();
        }
    }

    /** Busy-spins for the next int of {@code ring}. */
    static int read(RingBuffer ring) {
        int[] got = new int[1];
        while (ring.read((type, buffer, index, length) -> got[0] = buffer.getInt(index), 1) == 0) {
            Thread.onSpinWait();
        }
        return got[0];
    }

    /** Child: replies v + 1 on {@code out} for each v of {@code in}, for ever (killed at the end). */
    static void agronaEcho(String in, String out, Boolean manyToOne) throws IOException {
        RingBuffer rin = mapRing(in, manyToOne);
        RingBuffer rout = mapRing(out, manyToOne);
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[8]);
        for (;;) {
            write(rout, scratch, read(rin) + 1);
        }
    }

    /** Child: writes 0, 1, 2 ... for ever (killed at the end). */
    static void agronaProduce(String out, Boolean manyToOne) throws IOException {
        RingBuffer r = mapRing(out, manyToOne);
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[8]);
        for (int i = 0;; i++) {
            write(r, scratch, i);
        }
    }

    // ------------------------------------------------------------------ this library

    static void queueEcho(Queue<Integer> in, Queue<Integer> out) throws InterruptedException {
        for (;;) {
            out.put(in.take() + 1);
        }
    }

    static void pipeEcho(Connection c) throws Exception {
        for (;;) {
            c.send((Integer) c.recv() + 1);
        }
    }

    static void queueProduce(Queue<Integer> out) throws InterruptedException {
        for (int i = 0;; i++) {
            out.put(i);
        }
    }

    static void pipeProduce(Connection c) throws Exception {
        for (int i = 0;; i++) {
            c.send(i);
        }
    }

    /** The transports, one child each. */
    @State(Scope.Benchmark)
    public static class Peer {
        @Param({"mp4j-queue", "mp4j-pipe", "agrona-one-to-one", "agrona-many-to-one"})
        public String transport;

        Process child;
        Queue<Integer> qOut;
        Queue<Integer> qIn;
        Connection conn;
        RingBuffer rOut;
        RingBuffer rIn;
        Path[] files = new Path[0];
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[8]);
        int next;

        void startEcho() throws IOException {
            Context ctx = context();
            switch (transport) {
                case "mp4j-queue" -> {
                    qOut = ctx.queue();
                    qIn = ctx.queue();
                    child = ctx.process(IpcComparisonBenchmark::queueEcho, qOut, qIn);
                }
                case "mp4j-pipe" -> {
                    Pipe p = ctx.pipe();
                    conn = p.conn1();
                    child = ctx.process(IpcComparisonBenchmark::pipeEcho, p.conn2());
                }
                default -> {
                    boolean m2o = transport.equals("agrona-many-to-one");
                    files = new Path[] {newRingFile(), newRingFile()};
                    rOut = mapRing(files[0].toString(), m2o);
                    rIn = mapRing(files[1].toString(), m2o);
                    child = ctx.process(IpcComparisonBenchmark::agronaEcho, files[0].toString(), files[1].toString(), m2o);
                }
            }
            child.start();
        }

        void startProducer() throws IOException {
            Context ctx = context();
            switch (transport) {
                case "mp4j-queue" -> {
                    qIn = ctx.queue(65_536);
                    child = ctx.process(IpcComparisonBenchmark::queueProduce, qIn);
                }
                case "mp4j-pipe" -> {
                    Pipe p = ctx.pipe();
                    conn = p.conn1();
                    child = ctx.process(IpcComparisonBenchmark::pipeProduce, p.conn2());
                }
                default -> {
                    boolean m2o = transport.equals("agrona-many-to-one");
                    files = new Path[] {newRingFile()};
                    rIn = mapRing(files[0].toString(), m2o);
                    child = ctx.process(IpcComparisonBenchmark::agronaProduce, files[0].toString(), m2o);
                }
            }
            child.start();
        }

        int roundTrip() throws Exception {
            int v = next++;
            int r = switch (transport) {
                case "mp4j-queue" -> {
                    qOut.put(v);
                    yield qIn.take();
                }
                case "mp4j-pipe" -> {
                    conn.send(v);
                    yield (Integer) conn.recv();
                }
                default -> {
                    write(rOut, scratch, v);
                    yield read(rIn);
                }
            };
            if (r != v + 1) {
                throw new IllegalStateException("reply " + r + " to " + v);
            }
            return r;
        }

        int receive() throws Exception {
            int v = switch (transport) {
                case "mp4j-queue" -> qIn.take();
                case "mp4j-pipe" -> (Integer) conn.recv();
                default -> read(rIn);
            };
            if (v != next++) {
                throw new IllegalStateException("got " + v + ", expected " + (next - 1));
            }
            return v;
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            child.kill();
            if (!child.join(Duration.ofSeconds(30))) {
                throw new IllegalStateException(child + " did not end");
            }
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** A peer that echoes. */
    @State(Scope.Benchmark)
    public static class EchoPeer extends Peer {
        @Setup(Level.Trial)
        public void start() throws IOException {
            startEcho();
        }
    }

    /** A peer that produces. */
    @State(Scope.Benchmark)
    public static class ProducerPeer extends Peer {
        @Setup(Level.Trial)
        public void start() throws IOException {
            startProducer();
        }
    }

    /** One int there and its successor back. */
    @Benchmark
    public int roundTrip(EchoPeer peer) throws Exception {
        return peer.roundTrip();
    }

    /** One int of a stream the child produces as fast as it can. */
    @Benchmark
    public int receive(ProducerPeer peer) throws Exception {
        return peer.receive();
    }
}
