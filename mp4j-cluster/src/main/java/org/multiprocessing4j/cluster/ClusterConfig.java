package org.multiprocessing4j.cluster;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ListConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.QueueConfig;
import com.hazelcast.config.SerializationConfig;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Where a cluster's members are and how they keep strangers out: the settings shared by
 * {@link ClusterMember} (a JVM that holds data and runs pool tasks) and {@link ClusterContext}
 * (a client that uses the cluster's objects).
 *
 * <pre>{@code
 * ClusterConfig config = ClusterConfig.builder("secret password")
 *         .members("10.0.0.1:5701", "10.0.0.2:5701", "10.0.0.3:5701")
 *         .bindHost("10.0.0.1")                // members: the interface to listen on
 *         .build();
 * }</pre>
 *
 * <h2>What this sets on Hazelcast</h2>
 * Members join by the explicit addresses only (TCP/IP join; multicast and auto-detection off),
 * Hazelcast's phone-home is off, a member binds to {@link Builder#bindHost} only (127.0.0.1 by
 * default, never the wildcard address), every queue, list and map keeps one synchronous backup
 * on another member ({@link Builder#backupCount}), and Java serialization is refused for every
 * class outside the JDK and Hazelcast (this library sends only byte arrays, longs and its own
 * {@code IdentifiedDataSerializable} operations; user values are encoded by the codec behind its
 * allow-list; Hazelcast itself still sends exceptions that way).
 *
 * <h2>The password</h2>
 * Hazelcast's open-source edition has no member or client authentication (its security and TLS
 * are Enterprise features); what it checks is the cluster name. The cluster name here is derived
 * from the password (HMAC-SHA256 of the password over a fixed label, hex), so a member or client
 * that does not know the password is refused at its join or connection. What this does
 * <em>not</em> give: the name travels in clear text in join and authentication messages, and no
 * traffic is encrypted. Anyone who can read the network between the members can learn the name
 * and read the data. Run a cluster across machines on a private network or a VPN (WireGuard,
 * IPsec) only; docs/cluster.md says more.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClusterConfig {
    /** The port a member listens on unless told otherwise (Hazelcast's default). */
    public static final int DEFAULT_PORT = 5701;

    private static final String NAME_LABEL = "multiprocessing4j cluster name v1";

    /**
     * Hazelcast logs through java.util.logging at INFO, several lines per connection; this
     * library keeps it to warnings unless {@code -Dhazelcast.logging.level=INFO} (or another
     * level) says otherwise. Held here so that the logger, and its level, is not collected.
     */
    private static final java.util.logging.Logger HAZELCAST_LOG = java.util.logging.Logger.getLogger("com.hazelcast");

    static {
        HAZELCAST_LOG.setLevel(java.util.logging.Level.parse(System.getProperty("hazelcast.logging.level", "WARNING")));
    }

    private final String clusterName;
    private final List<String> members;
    private final String bindHost;
    private final int port;
    private final int backupCount;
    private final int taskThreads;
    private final Duration failureTimeout;
    private final Duration connectTimeout;

    private ClusterConfig(Builder b) {
        this.clusterName = deriveName(b.password);
        this.members = List.copyOf(b.members.isEmpty() ? List.of("127.0.0.1:" + b.port) : b.members);
        this.bindHost = b.bindHost;
        this.port = b.port;
        this.backupCount = b.backupCount;
        this.taskThreads = b.taskThreads;
        this.failureTimeout = b.failureTimeout;
        this.connectTimeout = b.connectTimeout;
    }

    /**
     * A builder whose cluster is kept apart by {@code password} (see the class documentation).
     *
     * @throws IllegalArgumentException when the password is empty
     */
    public static Builder builder(String password) {
        Objects.requireNonNull(password, "password");
        if (password.isEmpty()) {
            throw new IllegalArgumentException("the cluster password is empty");
        }
        return new Builder(password);
    }

    /** The member addresses ({@code host:port}) members join by and clients connect to. */
    public List<String> members() {
        return members;
    }

    /** The interface a member binds to. */
    public String bindHost() {
        return bindHost;
    }

    /** The port a member listens on. */
    public int port() {
        return port;
    }

    /** The number of synchronous backups of every queue, list and map. */
    public int backupCount() {
        return backupCount;
    }

    /** The number of pool tasks a member runs at once. */
    public int taskThreads() {
        return taskThreads;
    }

    /** How long a silent member or client is waited for before it counts as dead. */
    public Duration failureTimeout() {
        return failureTimeout;
    }

    /** How long a client tries to reach the cluster before {@link ClusterContext#connect} fails. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The Hazelcast cluster name derived from the password (not secret on the wire; see the class documentation). */
    String clusterName() {
        return clusterName;
    }

    /** The Hazelcast configuration of a member. */
    Config memberConfig() {
        Config c = new Config();
        c.setClusterName(clusterName);
        c.setInstanceName("mp4j-member-" + ProcessHandle.current().pid() + "-" + port);
        commonProperties(c.getProperties());
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(Math.max(2, failureTimeout.toSeconds())));
        c.setProperty("hazelcast.client.max.no.heartbeat.seconds", Long.toString(Math.max(2, failureTimeout.toSeconds())));
        c.setProperty("hazelcast.merge.first.run.delay.seconds", "10");
        c.setProperty("hazelcast.merge.next.run.delay.seconds", "10");
        c.setProperty("hazelcast.wait.seconds.before.join", "1");
        c.setProperty("hazelcast.max.wait.seconds.before.join", "5");
        c.setProperty("hazelcast.shutdownhook.policy", "GRACEFUL");
        c.setProperty("hazelcast.graceful.shutdown.max.wait", "30");
        NetworkConfig n = c.getNetworkConfig();
        n.setPort(port).setPortAutoIncrement(false);
        n.getInterfaces().setEnabled(true).addInterface(bindHost);
        n.setPublicAddress(bindHost + ":" + port);
        JoinConfig j = n.getJoin();
        j.getMulticastConfig().setEnabled(false);
        j.getAutoDetectionConfig().setEnabled(false);
        j.getTcpIpConfig().setEnabled(true).setMembers(new ArrayList<>(members));
        // "default", not a "*" pattern: a static pattern would shadow the per-name configurations
        // clients add at run time (a bounded queue's size; seen: ignored under "*")
        c.addQueueConfig(new QueueConfig("default").setBackupCount(backupCount));
        c.addListConfig(new ListConfig("default").setBackupCount(backupCount));
        c.addMapConfig(new MapConfig("default").setBackupCount(backupCount));
        c.addExecutorConfig(new ExecutorConfig(Grid.POOL_EXECUTOR).setPoolSize(taskThreads).setStatisticsEnabled(false));
        serialization(c.getSerializationConfig());
        return c;
    }

    /** The Hazelcast configuration of a client. */
    ClientConfig clientConfig() {
        ClientConfig c = new ClientConfig();
        c.setClusterName(clusterName);
        commonProperties(c.getProperties());
        c.setProperty("hazelcast.client.heartbeat.interval", "1000");
        c.setProperty("hazelcast.client.heartbeat.timeout", Long.toString(Math.max(2_000, failureTimeout.toMillis())));
        c.setProperty("hazelcast.client.invocation.timeout.seconds", "120");
        c.getNetworkConfig().setAddresses(new ArrayList<>(members));
        c.getConnectionStrategyConfig().getConnectionRetryConfig()
                .setClusterConnectTimeoutMillis(connectTimeout.toMillis())
                .setInitialBackoffMillis(100)
                .setMaxBackoffMillis(1_000);
        serialization(c.getSerializationConfig());
        return c;
    }

    private static void commonProperties(java.util.Properties p) {
        p.setProperty("hazelcast.phone.home.enabled", "false");
        p.setProperty("hazelcast.logging.type", System.getProperty("hazelcast.logging.type", "jdk"));
    }

    /**
     * Our operations by factory. Java serialization, which Hazelcast still uses for the
     * exceptions members send each other (a refused one leaves the caller waiting for an answer:
     * seen, an unlock by a non-owner hung), is limited to JDK and Hazelcast classes, minus
     * Hazelcast's default list of known gadget classes.
     */
    private static void serialization(SerializationConfig s) {
        s.addDataSerializableFactory(Ops.FACTORY_ID, new Ops.Factory());
        JavaSerializationFilterConfig filter = new JavaSerializationFilterConfig();
        filter.setDefaultsDisabled(false);
        filter.getWhitelist().addPrefixes("java.", "com.hazelcast.");
        s.setJavaSerializationFilterConfig(filter);
    }

    private static String deriveName(String password) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] h = mac.doFinal(NAME_LABEL.getBytes(StandardCharsets.UTF_8));
            return "mp4j-" + HexFormat.of().formatHex(h, 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "ClusterConfig[members=" + members + ", bindHost=" + bindHost + ", port=" + port + "]";
    }

    /** Settings of a {@link ClusterConfig}; every one has a default but the password. */
    public static final class Builder {
        private final String password;
        private final List<String> members = new ArrayList<>();
        private String bindHost = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private int backupCount = 1;
        private int taskThreads = Runtime.getRuntime().availableProcessors();
        private Duration failureTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(30);

        private Builder(String password) {
            this.password = password;
        }

        /**
         * The addresses of the members, {@code host:port} (or {@code host} for port 5701). Default:
         * {@code 127.0.0.1:<port>}.
         *
         * @throws IllegalArgumentException for an address without a host or with a bad port
         */
        public Builder members(String... addresses) {
            return members(List.of(addresses));
        }

        /** As {@link #members(String...)}. */
        public Builder members(List<String> addresses) {
            members.clear();
            for (String a : addresses) {
                members.add(normalise(a));
            }
            return this;
        }

        /** The interface a member listens on (default 127.0.0.1; give the machine's address for other machines). */
        public Builder bindHost(String host) {
            Objects.requireNonNull(host, "host");
            if (host.isBlank() || host.equals("0.0.0.0") || host.equals("::")) {
                throw new IllegalArgumentException("bind to one interface, not '" + host + "'");
            }
            this.bindHost = host;
            return this;
        }

        /** The port a member listens on (default 5701). */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** Synchronous backups of every queue, list and map (default 1: the loss of one member loses nothing). */
        public Builder backupCount(int count) {
            if (count < 0 || count > 6) {
                throw new IllegalArgumentException("backup count must be 0..6: " + count);
            }
            this.backupCount = count;
            return this;
        }

        /** Pool tasks a member runs at once (default: its number of processors). */
        public Builder taskThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("task threads must be positive: " + threads);
            }
            this.taskThreads = threads;
            return this;
        }

        /** How long a silent member or client is waited for before it counts as dead (default 10 s). */
        public Builder failureTimeout(Duration timeout) {
            if (timeout.toMillis() < 2_000) {
                throw new IllegalArgumentException("failure timeout below 2 s: " + timeout);
            }
            this.failureTimeout = timeout;
            return this;
        }

        /** How long a client tries to reach the cluster before giving up (default 30 s). */
        public Builder connectTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connect timeout must be positive: " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /** The configuration. */
        public ClusterConfig build() {
            return new ClusterConfig(this);
        }

        private static String normalise(String address) {
            Objects.requireNonNull(address, "address");
            String a = address.strip();
            int colon = a.lastIndexOf(':');
            if (colon < 0) {
                if (a.isEmpty()) {
                    throw new IllegalArgumentException("empty member address");
                }
                return a + ":" + DEFAULT_PORT;
            }
            String host = a.substring(0, colon);
            try {
                int p = Integer.parseInt(a.substring(colon + 1));
                if (host.isEmpty() || p < 1 || p > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a member address (host:port): '" + address + "'");
            }
            return a;
        }
    }
}
