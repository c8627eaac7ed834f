package org.multiprocessing4j.cluster;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A member of a cluster in this JVM: it holds a share of the cluster's queues, dicts, locks and
 * values (and backups of others' shares), and runs pool tasks ({@link ClusterPool}). The
 * command-line form is {@code ./mp4j cluster member}.
 *
 * <pre>{@code
 * try (ClusterMember member = ClusterMember.start(config)) {
 *     member.awaitShutdown();
 * }
 * }</pre>
 *
 * <p>A member runs tasks with its own class path: it must hold the classes of the tasks and of
 * the values they receive. {@link #close} leaves the cluster gracefully (its data moves to the
 * others first); a member that dies instead is noticed within the failure timeout and its data
 * is served from backups.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class ClusterMember implements AutoCloseable {
    /** The member attribute that carries the member JVM's pid. */
    static final String PID_ATTRIBUTE = "mp4j.pid";

    private final HazelcastInstance hz;
    private final CountDownLatch down = new CountDownLatch(1);

    private ClusterMember(HazelcastInstance hz) {
        this.hz = hz;
        hz.getLifecycleService().addLifecycleListener(e -> {
            if (e.getState() == LifecycleEvent.LifecycleState.SHUTDOWN) {
                Grid.forgetMember(hz.getName());
                down.countDown();
            }
        });
    }

    /**
     * Starts a member that joins the members of {@code config} (or starts a cluster when none is
     * reachable) and listens on {@link ClusterConfig#bindHost()}:{@link ClusterConfig#port()}.
     *
     * @throws IllegalStateException when the member cannot start (port taken, bad interface)
     */
    public static ClusterMember start(ClusterConfig config) {
        return start(config, ClusterMember.class.getClassLoader());
    }

    /**
     * As {@link #start(ClusterConfig)}, loading the classes of tasks and values through
     * {@code taskLoader} (an application's jars; {@code ./mp4j cluster member --class-path}).
     */
    public static ClusterMember start(ClusterConfig config, ClassLoader taskLoader) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(taskLoader, "taskLoader");
        var c = config.memberConfig();
        c.setClassLoader(taskLoader);
        c.getMemberAttributeConfig().setAttribute(PID_ATTRIBUTE, Long.toString(ProcessHandle.current().pid()));
        try {
            return new ClusterMember(Hazelcast.newHazelcastInstance(c));
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot start a cluster member on " + config.bindHost() + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
    }

    /** This member's address, {@code host:port}. */
    public String address() {
        var a = hz.getCluster().getLocalMember().getAddress();
        return a.getHost() + ":" + a.getPort();
    }

    /** The number of members in the cluster now. */
    public int clusterSize() {
        return hz.getCluster().getMembers().size();
    }

    /** True until the member left the cluster. */
    public boolean isRunning() {
        return hz.getLifecycleService().isRunning();
    }

    /** Blocks until the member shuts down (by {@link #close}, a signal, or the cluster). */
    public void awaitShutdown() throws InterruptedException {
        down.await();
    }

    /** As {@link #awaitShutdown()}, for at most {@code timeout}; true when it did. */
    public boolean awaitShutdown(Duration timeout) throws InterruptedException {
        return down.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Leaves the cluster gracefully: its partitions move to the other members first. */
    @Override
    public void close() {
        hz.shutdown();
    }

    @Override
    public String toString() {
        return "ClusterMember[" + (isRunning() ? address() + ", cluster of " + clusterSize() : "stopped") + "]";
    }
}
