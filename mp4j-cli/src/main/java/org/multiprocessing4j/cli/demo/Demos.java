package org.multiprocessing4j.cli.demo;

import java.io.PrintStream;
import java.util.List;

/** The demo registry and {@code ./mp4j demo}. */
public final class Demos {
    private static final List<Demo> ALL = List.of(
            new ProcessBasicsDemo(),
            new ProcessSubclassDemo(),
            new DaemonDemo(),
            new JoinOrderDemo(),
            new TicketDemo(),
            new KtvDemo(),
            new TrafficLightDemo(),
            new ValueIncrementDemo(),
            new QueueDemo(false),
            new ProducerConsumerDemo(ProducerConsumerDemo.Variant.SENTINEL),
            new ProducerConsumerDemo(ProducerConsumerDemo.Variant.CONSUMERS),
            new ProducerConsumerDemo(ProducerConsumerDemo.Variant.PRODUCERS),
            new ProducerConsumerDemo(ProducerConsumerDemo.Variant.JOINABLE),
            new QueueDemo(true),
            new PipeDemo(false),
            new PipeDemo(true),
            new PoolDemo(PoolDemo.Variant.APPLY),
            new PoolDemo(PoolDemo.Variant.CALLBACKS),
            new PoolDemo(PoolDemo.Variant.MAP_IMAP),
            new PoolDemo(PoolDemo.Variant.VS_PROCESSES),
            new PoolDemo(PoolDemo.Variant.ECHO_SERVER),
            new ManagerDemo(ManagerDemo.Variant.QUEUE_POOL),
            new ManagerDemo(ManagerDemo.Variant.POOL),
            new ManagerDemo(ManagerDemo.Variant.YEAR),
            new ManagerDemo(ManagerDemo.Variant.DISTRIBUTED),
            new ManagerDemo(ManagerDemo.Variant.DICT),
            new ManagerDemo(ManagerDemo.Variant.COUNT),
            new ClusterDemo(ClusterDemo.Variant.DISTRIBUTED),
            new ClusterDemo(ClusterDemo.Variant.POOL),
            new CSharpTaskDemo(CSharpTaskDemo.Variant.WHEN_ALL),
            new CSharpTaskDemo(CSharpTaskDemo.Variant.WHEN_ANY),
            new CSharpTaskDemo(CSharpTaskDemo.Variant.TIMEOUT_CANCEL),
            new CSharpTaskDemo(CSharpTaskDemo.Variant.RETRY),
            new CSharpTaskDemo(CSharpTaskDemo.Variant.PARALLEL_SQUARES),
            new CSharpTaskDemo(CSharpTaskDemo.Variant.AGGREGATE),
            new SubprocessDemo("ls"),
            new SubprocessDemo("ping"),
            new SubprocessDemo("communicate"),
            new SubprocessDemo("pipeline"));

    private Demos() {}

    /** The demos, in the order of the source texts. */
    public static List<Demo> all() {
        return ALL;
    }

    /** {@code ./mp4j demo [NAME|all]}. */
    public static int main(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0 || args[0].equals("--list") || args[0].equals("--help")) {
            out.println("demos (./mp4j demo NAME, or ./mp4j demo all):");
            for (Demo d : ALL) {
                out.printf("  %-18s %s%n", d.name(), d.description());
            }
            return 0;
        }
        if (args[0].equals("all")) {
            for (Demo d : ALL) {
                out.println("=== " + d.name() + ": " + d.description());
                out.flush();
                d.run();
                out.println();
            }
            out.println("all " + ALL.size() + " demos ran");
            return 0;
        }
        for (Demo d : ALL) {
            if (d.name().equals(args[0])) {
                d.run();
                return 0;
            }
        }
        err.println("mp4j demo: no demo named '" + args[0] + "'; ./mp4j demo lists them");
        return 2;
    }
}
