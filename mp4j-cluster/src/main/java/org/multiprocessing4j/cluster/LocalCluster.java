package org.multiprocessing4j.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Process;

/**
 * A cluster of member processes on this machine, on 127.0.0.1 and free ports, with a random
 * password: for trying the cluster context, for demos and for benchmarks. The members are
 * daemonic {@code spawn} processes of this library (this JVM's class path, so they know the
 * application's classes) and end with this JVM, even when it is killed.
 *
 * <pre>{@code
 * try (LocalCluster cluster = LocalCluster.start(3, 2);
 *         ClusterContext ctx = ClusterContext.connect(cluster.config())) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Duration START = Duration.ofSeconds(90);

    private final String password = UUID.randomUUID().toString();
    private final List<String> members = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private LocalCluster() {}

    /**
     * Starts {@code size} members, each running {@code taskThreads} pool tasks at once, and
     * waits until they form one cluster.
     *
     * @throws IllegalStateException when they did not within 90 s (the members are stopped then)
     */
    public static LocalCluster start(int size, int taskThreads) throws InterruptedException {
        if (size < 1 || taskThreads < 1) {
            throw new IllegalArgumentException("size and task threads must be positive: " + size + ", " + taskThreads);
        }
        LocalCluster c = new LocalCluster();
        for (int i = 0; i < size; i++) {
            c.members.add("127.0.0.1:" + freePort());
        }
        String all = String.join(",", c.members);
        try {
            for (String m : c.members) {
                int port = Integer.parseInt(m.substring(m.indexOf(':') + 1));
                Process p = Multiprocessing.context("spawn")
                        .process(LocalCluster::member, c.password + "\n" + all, port, taskThreads)
                        .setName("cluster-member-" + port);
                p.setDaemon(true);
                p.start();
                c.processes.add(p);
            }
            long deadline = System.nanoTime() + START.toNanos();
            for (String m : c.members) {
                awaitListening(m, deadline); // so that the client's first connection finds members (no refusals logged)
            }
            try (ClusterContext ctx = ClusterContext.connect(c.config())) {
                while (ctx.members().size() < size) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("the local cluster did not reach " + size + " members within " + START);
                    }
                    Thread.sleep(50); // polls the membership list while members join
                }
            }
        } catch (RuntimeException | InterruptedException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** A member's life: joins the others and serves until its process is stopped. */
    static void member(String passwordAndMembers, Integer port, Integer taskThreads) throws InterruptedException {
        String[] parts = passwordAndMembers.split("\n", 2);
        ClusterConfig config = ClusterConfig.builder(parts[0]).port(port).members(parts[1].split(","))
                .taskThreads(taskThreads).build();
        try (ClusterMember m = ClusterMember.start(config)) {
            m.awaitShutdown();
        }
    }

    /** Waits until something accepts connections at {@code address} (a member started listening). */
    private static void awaitListening(String address, long deadline) throws InterruptedException {
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
        for (;;) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("no member listening at " + address + " within " + START);
                }
                Thread.sleep(50); // polls a port that is not open yet
            }
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client configuration for this cluster. */
    public ClusterConfig config() {
        return ClusterConfig.builder(password).members(members).build();
    }

    /** The password (random). */
    public String password() {
        return password;
    }

    /** The members' addresses. */
    public List<String> members() {
        return List.copyOf(members);
    }

    /** The members' pids, in the order of {@link #members()}. */
    public List<Long> pids() {
        return processes.stream().map(Process::pid).toList();
    }

    /** Kills member {@code i} with SIGKILL and waits until its process is gone. */
    public void kill(int i) throws InterruptedException {
        Process p = processes.get(i);
        p.kill();
        if (!p.join(Duration.ofSeconds(10))) {
            throw new IllegalStateException("member " + members.get(i) + " survived SIGKILL");
        }
    }

    /** Kills every member (the cluster's data goes with it). */
    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.kill();
            }
        }
        for (Process p : processes) {
            p.join(Duration.ofSeconds(10));
        }
    }

    @Override
    public String toString() {
        return "LocalCluster" + members;
    }
}
