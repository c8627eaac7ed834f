package org.multiprocessing4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.multiprocessing4j.BaseManager;
import org.multiprocessing4j.Manager;

/**
 * {@code ./mp4j manager serve}: a standalone manager server with named queues and dicts, for
 * clients in other processes or on other machines (the source texts' distributed example).
 *
 * <pre>
 *   ./mp4j manager serve --address 127.0.0.1:5438 --authkey-file KEYFILE [--queue NAME ...] [--dict NAME ...]
 * </pre>
 * Each {@code --queue NAME} registers typeid NAME, whose every {@code create} returns a proxy of
 * the same {@link BlockingQueue}; {@code --dict NAME} likewise a shared {@link Map}. The built-in
 * typeids of {@link Manager} (dict, list, Queue, Lock ...) are there too. The server runs until it
 * gets SIGTERM or SIGINT, or a client calls {@code shutdown()}.
 */
final class ManagerCommand {
    private ManagerCommand() {}

    static int main(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0 || !args[0].equals("serve") || Arrays.asList(args).contains("--help")) {
            usage(args.length == 0 || Arrays.asList(args).contains("--help") ? out : err);
            return args.length > 0 && Arrays.asList(args).contains("--help") ? 0 : 2;
        }
        String address = null;
        Path keyFile = null;
        List<String> queues = new ArrayList<>();
        List<String> dicts = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                err.println("mp4j manager serve: " + a + " needs a value");
                return 2;
            }
            String v = args[++i];
            switch (a) {
                case "--address" -> address = v;
                case "--authkey-file" -> keyFile = Path.of(v);
                case "--queue" -> queues.add(v);
                case "--dict" -> dicts.add(v);
                default -> {
                    err.println("mp4j manager serve: unknown option " + a);
                    usage(err);
                    return 2;
                }
            }
        }
        if (address == null || keyFile == null) {
            err.println("mp4j manager serve: --address and --authkey-file are required");
            usage(err);
            return 2;
        }
        byte[] key;
        try {
            key = readSecret(keyFile, "mp4j manager serve", err);
        } catch (IOException e) {
            err.println("mp4j manager serve: cannot read the authkey file: " + e);
            return 2;
        }
        if (key.length == 0) {
            err.println("mp4j manager serve: the authkey file " + keyFile + " is empty");
            return 2;
        }
        SocketAddress at;
        try {
            at = BaseManager.address(address);
        } catch (IllegalArgumentException e) {
            err.println("mp4j manager serve: " + e.getMessage());
            return 2;
        }
        Manager manager = new Manager(at, key);
        Map<String, Object> shared = new LinkedHashMap<>();
        for (String q : queues) {
            LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
            manager.register(q, BlockingQueue.class, x -> queue);
            shared.put(q, "queue");
        }
        for (String d : dicts) {
            Map<Object, Object> dict = Collections.synchronizedMap(new LinkedHashMap<>());
            manager.register(d, Map.class, x -> dict);
            shared.put(d, "dict");
        }
        manager.serveInBackground();
        Runtime.getRuntime().addShutdownHook(new Thread(manager::close, "mp4j-manager-stop"));
        out.println("manager serving at " + format(manager.address()) + (shared.isEmpty() ? "" : " with " + shared)
                + "; stop with Ctrl-C, SIGTERM or a client's shutdown()");
        out.flush();
        while (!manager.awaitShutdown(java.time.Duration.ofMinutes(1))) {
            // serving
        }
        out.println("manager at " + format(manager.address()) + " stopped");
        return 0;
    }

    private static String format(SocketAddress a) {
        return a instanceof java.net.InetSocketAddress i ? i.getHostString() + ":" + i.getPort() : a.toString();
    }

    /** A secret file's bytes without one trailing newline; warns (as {@code command}) when others may read it. */
    static byte[] readSecret(Path file, String command, PrintStream err) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                err.println(command + ": warning: " + file + " is readable by other users; chmod 600 it");
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        byte[] b = Files.readAllBytes(file);
        int n = b.length;
        if (n > 0 && b[n - 1] == '\n') {
            n--;
        }
        if (n > 0 && b[n - 1] == '\r') {
            n--;
        }
        return Arrays.copyOf(b, n);
    }

    static void usage(PrintStream out) {
        out.println("""
                usage: ./mp4j manager serve --address HOST:PORT|SOCKET_PATH --authkey-file FILE [--queue NAME ...] [--dict NAME ...]

                  --address        where to listen: 127.0.0.1:5438 (TCP; binds exactly that host) or a Unix socket path
                  --authkey-file   the shared secret clients must prove they know (one trailing newline is ignored)
                  --queue NAME     a shared queue: every client's create(NAME) is a proxy of the same BlockingQueue
                  --dict NAME      a shared dict, likewise (a Map)

                Clients: new BaseManager(BaseManager.address("127.0.0.1:5438"), key).register(NAME, BlockingQueue.class).connect()""");
    }
}
