package org.multiprocessing4j.jmh;

import java.io.Serializable;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.internal.codec.Codec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The codec's two formats on a small record: Fory (the data path of queues and pipes) and the
 * process-payload format (JDK serialization behind the allow-list, chosen for its cold-start cost,
 * see BootstrapFormat). Run: {@code ./mp4j jmh CodecBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class CodecBenchmark {
    /** A small message. */
    public record Point(int x, int y, String label) implements Serializable {}

    private Codec codec;
    private Point point;
    private byte[] foryBytes;
    private byte[] payloadBytes;

    @Setup
    public void setup() {
        codec = new Codec(CodecBenchmark.class.getClassLoader());
        codec.register(Point.class);
        point = new Point(3, 4, "p");
        foryBytes = codec.encode(point);
        payloadBytes = codec.encodeProcess(point);
    }

    @Benchmark
    public Object foryRoundTrip() {
        return codec.decode(codec.encode(point));
    }

    @Benchmark
    public byte[] foryEncode() {
        return codec.encode(point);
    }

    @Benchmark
    public Object foryDecode() {
        return codec.decode(foryBytes);
    }

    @Benchmark
    public Object processPayloadRoundTrip() {
        return codec.decodeProcess(codec.encodeProcess(point));
    }

    @Benchmark
    public Object processPayloadDecode() {
        return codec.decodeProcess(payloadBytes);
    }
}
