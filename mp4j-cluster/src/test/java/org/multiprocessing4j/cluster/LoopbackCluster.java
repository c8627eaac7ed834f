package org.multiprocessing4j.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of member JVMs on 127.0.0.1 for the tests ({@link TestMember}, the test class path,
 * so members know the tests' task classes): started in parallel, killed with SIGKILL on demand,
 * all stopped by {@link #close}. Members halt by themselves when the test JVM dies.
 */
final class LoopbackCluster implements AutoCloseable {
    static final Duration START = Duration.ofSeconds(90);

    final String password = UUID.randomUUID().toString();
    final List<String> addresses = new ArrayList<>();
    private final List<java.lang.Process> members = new ArrayList<>();

    LoopbackCluster(int size) throws IOException, InterruptedException {
        for (int i = 0; i < size; i++) {
            addresses.add("127.0.0.1:" + freePort());
        }
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        for (String a : addresses) {
            ready.add(launch(a));
        }
        try {
            CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(START.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            throw new IllegalStateException("the loopback cluster did not start within " + START, e);
        }
    }

    private CompletableFuture<Void> launch(String address) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m",
                "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.management/sun.management=ALL-UNNAMED",
                "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dhazelcast.logging.type=none",
                "-cp", System.getProperty("java.class.path"), TestMember.class.getName(),
                address.substring(address.indexOf(':') + 1), password));
        cmd.addAll(addresses);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        java.lang.Process p = pb.start();
        synchronized (members) {
            members.add(p);
        }
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("READY ")) {
                        ready.complete(null);
                    } else {
                        System.out.println("[member " + address + "] " + line);
                    }
                }
            } catch (IOException e) {
                // the member is gone
            }
            ready.completeExceptionally(new IllegalStateException("member " + address + " ended before it was ready"));
        }, "member-out-" + address);
        reader.setDaemon(true);
        reader.start();
        return ready;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A configuration of this cluster, for clients. */
    ClusterConfig.Builder config() {
        return ClusterConfig.builder(password).members(addresses).failureTimeout(Duration.ofSeconds(4))
                .connectTimeout(Duration.ofSeconds(30));
    }

    /** The pid of member {@code i}. */
    long pid(int i) {
        return members.get(i).pid();
    }

    /** SIGKILLs member {@code i} and waits until its JVM is gone. */
    void kill(int i) throws InterruptedException {
        java.lang.Process p = members.get(i);
        p.destroyForcibly();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("member " + addresses.get(i) + " survived SIGKILL");
        }
    }

    @Override
    public void close() {
        List<java.lang.Process> all;
        synchronized (members) {
            all = new ArrayList<>(members);
        }
        for (java.lang.Process p : all) {
            p.destroyForcibly();
        }
        for (java.lang.Process p : all) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("a member JVM survived SIGKILL: pid " + p.pid());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping the loopback cluster", e);
            }
        }
    }
}
