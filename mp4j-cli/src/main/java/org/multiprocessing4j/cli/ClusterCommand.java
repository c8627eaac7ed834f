package org.multiprocessing4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.multiprocessing4j.cluster.ClusterConfig;
import org.multiprocessing4j.cluster.ClusterMember;

/**
 * {@code ./mp4j cluster member}: a member of a cluster (multiprocessing4j's cluster context on
 * Hazelcast) that holds data and runs pool tasks, until SIGTERM or SIGINT (it then leaves
 * gracefully: its data moves to the other members first).
 *
 * <pre>
 *   ./mp4j cluster member --members 127.0.0.1:5701,127.0.0.1:5702 --password-file F
 *                         [--bind HOST] [--port N] [--task-threads N] [--backups N] [--class-path JARS]
 * </pre>
 */
final class ClusterCommand {
    private ClusterCommand() {}

    static int main(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0 || !args[0].equals("member") || Arrays.asList(args).contains("--help")) {
            usage(args.length == 0 || Arrays.asList(args).contains("--help") ? out : err);
            return args.length > 0 && Arrays.asList(args).contains("--help") ? 0 : 2;
        }
        List<String> members = new ArrayList<>();
        Path passwordFile = null;
        String bind = "127.0.0.1";
        Integer port = null;
        Integer threads = null;
        Integer backups = null;
        String classPath = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                err.println("mp4j cluster member: " + a + " needs a value");
                return 2;
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--members" -> members.addAll(Arrays.asList(v.split(",")));
                    case "--password-file" -> passwordFile = Path.of(v);
                    case "--bind" -> bind = v;
                    case "--port" -> port = Integer.parseInt(v);
                    case "--task-threads" -> threads = Integer.parseInt(v);
                    case "--backups" -> backups = Integer.parseInt(v);
                    case "--class-path" -> classPath = v;
                    default -> {
                        err.println("mp4j cluster member: unknown option " + a);
                        usage(err);
                        return 2;
                    }
                }
            } catch (NumberFormatException e) {
                err.println("mp4j cluster member: " + a + " needs a number, not '" + v + "'");
                return 2;
            }
        }
        if (passwordFile == null || members.isEmpty()) {
            err.println("mp4j cluster member: --members and --password-file are required");
            usage(err);
            return 2;
        }
        String password;
        try {
            password = new String(ManagerCommand.readSecret(passwordFile, "mp4j cluster member", err), StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("mp4j cluster member: cannot read the password file: " + e);
            return 2;
        }
        ClusterMember member;
        try {
            ClusterConfig.Builder b = ClusterConfig.builder(password).members(members).bindHost(bind);
            if (port != null) {
                b.port(port);
            }
            if (threads != null) {
                b.taskThreads(threads);
            }
            if (backups != null) {
                b.backupCount(backups);
            }
            ClassLoader tasks = classPath == null ? ClusterCommand.class.getClassLoader() : loader(classPath);
            member = ClusterMember.start(b.build(), tasks);
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("mp4j cluster member: " + e.getMessage());
            return 2;
        }
        out.println("cluster member at " + member.address() + " (pid " + ProcessHandle.current().pid() + "), cluster of "
                + member.clusterSize() + "; stop with Ctrl-C or SIGTERM");
        out.flush();
        member.awaitShutdown();
        out.println("cluster member stopped");
        return 0;
    }

    /** A class loader over the application's jars and directories, for the tasks members run. */
    private static ClassLoader loader(String classPath) throws IOException {
        List<URL> urls = new ArrayList<>();
        for (String e : classPath.split(java.io.File.pathSeparator)) {
            if (!e.isBlank()) {
                Path p = Path.of(e);
                if (!java.nio.file.Files.exists(p)) {
                    throw new IllegalArgumentException("--class-path entry does not exist: " + e);
                }
                urls.add(p.toUri().toURL());
            }
        }
        return new URLClassLoader("mp4j-cluster-tasks", urls.toArray(URL[]::new), ClusterCommand.class.getClassLoader());
    }

    static void usage(PrintStream out) {
        out.println("""
                usage: ./mp4j cluster member --members HOST:PORT,HOST:PORT,... --password-file FILE [options]

                  --members        the addresses of all members (this one among them); members join by these only
                  --password-file  the cluster's shared secret (one trailing newline is ignored); see docs/cluster.md
                  --bind HOST      the interface to listen on (default 127.0.0.1; give this machine's address for others)
                  --port N         the port to listen on (default 5701)
                  --task-threads N pool tasks run at once (default: the number of processors)
                  --backups N      synchronous backups of every queue, list and map (default 1)
                  --class-path CP  the application's jars: the classes of the tasks and values members receive

                Clients: ClusterContext.connect(ClusterConfig.builder(password).members(...).build())""");
    }
}
