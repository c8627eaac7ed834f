package org.multiprocessing4j.cluster;

import java.util.Arrays;

/**
 * A cluster member JVM for the tests: {@code TestMember PORT PASSWORD MEMBER...}. Prints
 * {@code READY host:port} when it has joined, and halts when its parent closes its standard
 * input (the parent ended, even by kill -9): tests leave no member JVM behind.
 */
public final class TestMember {
    private TestMember() {}

    public static void main(String[] args) throws Exception {
        ClusterConfig config = ClusterConfig.builder(args[1])
                .port(Integer.parseInt(args[0]))
                .members(Arrays.asList(args).subList(2, args.length))
                .failureTimeout(java.time.Duration.ofSeconds(4))
                .taskThreads(4)
                .build();
        Thread watch = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent writes nothing; EOF means it is gone
                }
            } catch (java.io.IOException e) {
                // the same as EOF
            }
            Runtime.getRuntime().halt(3);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
        ClusterMember member = ClusterMember.start(config);
        System.out.println("READY " + member.address());
        System.out.flush();
        member.awaitShutdown();
    }
}
