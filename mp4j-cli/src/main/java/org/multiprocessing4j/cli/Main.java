package org.multiprocessing4j.cli;

import java.io.PrintStream;
import java.util.Arrays;
import org.multiprocessing4j.cli.bench.Bench;
import org.multiprocessing4j.cli.demo.Demos;

/**
 * {@code ./mp4j}: the command line of multiprocessing4j.
 *
 * <pre>
 *   ./mp4j demo [NAME|all]     list the demos, run one, or run them all
 *   ./mp4j bench [options]     the benchmark against CPython (./mp4j bench --help)
 *   ./mp4j manager serve ...   a standalone manager server (./mp4j manager --help)
 *   ./mp4j cluster member ...  a member of a cluster context (./mp4j cluster --help)
 *   ./mp4j test                the whole test suite (handled by the launcher script: mvn verify)
 *   ./mp4j jmh [ARGS]          the JMH micro-benchmarks (handled by the launcher script)
 *   ./mp4j --help              this text
 * </pre>
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            usage(out);
            return 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "demo" -> Demos.main(rest, out, err);
            case "bench" -> Bench.main(rest, out, err);
            case "manager" -> ManagerCommand.main(rest, out, err);
            case "cluster" -> ClusterCommand.main(rest, out, err);
            default -> {
                err.println("mp4j: unknown command '" + args[0] + "'");
                usage(err);
                yield 2;
            }
        };
    }

    static void usage(PrintStream out) {
        out.println("""
                usage: ./mp4j COMMAND [ARGS]

                commands:
                  demo [NAME|all]   list the demos of the source texts, run one, or run all of them
                  bench [OPTIONS]   run the benchmark workloads; --vs-python also runs CPython's counterpart
                                    (./mp4j bench --help for the options)
                  manager serve ... run a standalone manager server with named queues and dicts
                                    (./mp4j manager --help)
                  cluster member .. run a member of a cluster context: data, locks and pool tasks on Hazelcast
                                    (./mp4j cluster --help)
                  test              run the whole test suite (mvn verify under JDK 25)
                  jmh [ARGS]        run the JMH micro-benchmarks (e.g. ./mp4j jmh CodecBenchmark)
                  --help            this text

                ./mp4j builds what is stale before it runs (Maven, JDK 25 found by itself).""");
    }
}
