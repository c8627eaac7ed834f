package org.multiprocessing4j.cli.demo;

import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.stream.IntStream;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.cluster.ClusterConfig;
import org.multiprocessing4j.cluster.ClusterContext;
import org.multiprocessing4j.cluster.LocalCluster;

/**
 * The cluster examples: the source texts' distributed example and a pool map, on a cluster of 3
 * member JVMs on 127.0.0.1 that the demo starts ({@link LocalCluster}) and stops at the end.
 *
 * <ul>
 *   <li>{@code cluster-distributed} (seed 001, 分布式进程的案例, on the cluster): the cluster plays
 *       the server; two clients in separate processes exchange messages through two named queues.
 *   <li>{@code cluster-pool}: a pool map over the 3 members; each task reports the pid of the member
 *       JVM that ran it.
 * </ul>
 */
final class ClusterDemo implements Demo {
    enum Variant { DISTRIBUTED, POOL }

    private final Variant variant;

    ClusterDemo(Variant variant) {
        this.variant = variant;
    }

    @Override
    public String name() {
        return variant == Variant.DISTRIBUTED ? "cluster-distributed" : "cluster-pool";
    }

    @Override
    public String description() {
        return variant == Variant.DISTRIBUTED
                ? "seed 001's distributed queues on a 3-member cluster (two client processes)"
                : "a pool map across 3 cluster member JVMs, each task naming its member's pid";
    }

    @Override
    public void run() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(3, Runtime.getRuntime().availableProcessors())) {
            System.out.println("cluster: 3 members on " + String.join(",", cluster.members()) + " (pids " + cluster.pids() + ")");
            if (variant == Variant.DISTRIBUTED) {
                distributed(cluster);
            } else {
                pool(cluster);
            }
        }
    }

    static ClusterConfig config(String password, String members) {
        return ClusterConfig.builder(password).members(members.split(",")).build();
    }

    // ---- cluster-distributed ----

    /** 客户端代码1 (小张). */
    static void client1(String password, String members) throws InterruptedException {
        try (ClusterContext ctx = ClusterContext.connect(config(password, members))) {
            BlockingQueue<String> q1 = ctx.queue("get_zhang_queue"); // 在自己队列里面留言
            q1.put("[小张]小明,老大明天是不是去外地办事啊?");
            BlockingQueue<String> q2 = ctx.queue("get_ming_queue"); // 获取小明说的话
            System.out.println(q2.take());
        }
    }

    /** 客户端代码2 (小明). */
    static void client2(String password, String members) throws InterruptedException {
        try (ClusterContext ctx = ClusterContext.connect(config(password, members))) {
            BlockingQueue<String> q1 = ctx.queue("get_zhang_queue"); // 获取小张说的话
            System.out.println(q1.take());
            BlockingQueue<String> q2 = ctx.queue("get_ming_queue"); // 在自己队列里面留言
            q2.put("[小明]这几天咱们终于可以不加班了(>_<)");
        }
    }

    private static void distributed(LocalCluster cluster) throws InterruptedException {
        Process zhang = new Process(ClusterDemo::client1, cluster.password(), String.join(",", cluster.members())).setName("client1");
        Process ming = new Process(ClusterDemo::client2, cluster.password(), String.join(",", cluster.members())).setName("client2");
        zhang.start();
        ming.start();
        zhang.join();
        ming.join();
        System.out.println("clients: exit codes " + zhang.exitCode().orElse(-1) + " and " + ming.exitCode().orElse(-1));
    }

    // ---- cluster-pool ----

    static String whoRuns(Integer task) throws InterruptedException {
        Thread.sleep(100); // a little work, so that tasks overlap
        return "task " + task + " ran on member pid " + ProcessHandle.current().pid();
    }

    private static void pool(LocalCluster cluster) throws InterruptedException {
        try (ClusterContext ctx = ClusterContext.connect(cluster.config())) {
            ctx.register(ClusterDemo.class);
            List<String> lines = ctx.pool().map(ClusterDemo::whoRuns, IntStream.rangeClosed(1, 9).boxed().toList());
            lines.forEach(System.out::println);
            TreeSet<String> pids = new TreeSet<>();
            lines.forEach(l -> pids.add(l.substring(l.lastIndexOf(' ') + 1)));
            System.out.println("members that ran tasks: " + pids.size() + " " + pids);
        }
    }
}
