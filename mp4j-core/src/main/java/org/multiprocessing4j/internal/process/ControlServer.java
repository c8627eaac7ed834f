package org.multiprocessing4j.internal.process;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.multiprocessing4j.internal.log.Log;

/**
 * The parent's listening end of the control connections (see {@link Control}): one Unix-domain
 * socket per context, created on first use.
 *
 * <h2>Security</h2>
 * The socket lives in a directory readable and writable by the owner only ({@code 0700}) under
 * the temporary directory, so no other user can connect. A child proves which child it is with a
 * 128-bit random token given on its command line; a connection with an unknown token is closed
 * unread.
 *
 * <h2>Clean-up</h2>
 * The socket file is removed when the context closes and when the JVM exits normally. The name
 * carries the owner's pid, so that a socket left behind by a JVM killed with SIGKILL is removed by
 * the next context created on the machine ({@link #sweepStale}).
 *
 * <p>Thread-safety: all methods may be called from any thread. One platform daemon thread
 * accepts; each accepted connection's HELLO is read on a virtual thread.
 */
public final class ControlServer implements AutoCloseable {
    private static final Log LOG = Log.of(ControlServer.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "ctl-";

    /** A child that said HELLO. */
    public record Hello(Control control, long pid) {}

    private final Path dir;
    private final Path socketPath;
    private final ServerSocketChannel server;
    private final Map<String, CompletableFuture<Hello>> pending = new ConcurrentHashMap<>();
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(Path dir, Path socketPath, ServerSocketChannel server) {
        this.dir = dir;
        this.socketPath = socketPath;
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("mp4j-control-accept").unstarted(this::acceptLoop);
    }

    /** Opens a listening socket in the private directory for this user. */
    public static ControlServer open() {
        try {
            Path dir = privateDirectory();
            sweepStale(dir);
            Path path = dir.resolve(PREFIX + ProcessHandle.current().pid() + "-" + randomHex(6) + ".sock");
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            path.toFile().deleteOnExit();
            ControlServer cs = new ControlServer(dir, path, server);
            cs.acceptor.start();
            return cs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the control socket for child processes", e);
        }
    }

    /** The socket path children connect to. */
    public Path socketPath() {
        return socketPath;
    }

    /** A fresh random token, and the future that completes when the child holding it says HELLO. */
    public String expect(CompletableFuture<Hello> onHello) {
        String token = randomHex(16);
        pending.put(token, onHello);
        return token;
    }

    /** Forgets a token whose child will never connect (it died before HELLO). */
    public void forget(String token) {
        pending.remove(token);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warning("control socket accept failed: %s", e);
                }
                return;
            }
            Thread.ofVirtual().name("mp4j-control-hello").start(() -> handshake(ch));
        }
    }

    private void handshake(SocketChannel ch) {
        Control control = new Control(ch);
        try {
            Control.Frame hello = control.receive();
            if (hello == null || hello.type() != Control.HELLO || hello.body().length != 16 + 8) {
                control.close();
                return;
            }
            DataInputStream in = hello.bodyStream();
            byte[] token = new byte[16];
            in.readFully(token);
            long pid = in.readLong();
            CompletableFuture<Hello> f = pending.remove(HexFormat.of().formatHex(token));
            if (f == null) {
                LOG.debug("control connection with unknown token from pid %d closed", pid);
                control.close();
                return;
            }
            f.complete(new Hello(control, pid));
        } catch (IOException e) {
            control.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException ignored) {
            // the next sweep removes it
        }
        IllegalStateException gone = new IllegalStateException("context closed before the child connected");
        pending.values().forEach(f -> f.completeExceptionally(gone));
        pending.clear();
    }

    static Path privateDirectory() throws IOException {
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9_.-]", "_");
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "mp4j-" + user);
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another JVM created it
            }
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    /** Removes sockets whose owning JVM (pid in the name) no longer runs. */
    static void sweepStale(Path dir) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, PREFIX + "*.sock")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                int dash = n.indexOf('-', PREFIX.length());
                if (dash < 0) {
                    continue;
                }
                try {
                    long pid = Long.parseLong(n.substring(PREFIX.length(), dash));
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        continue;
                    }
                    Files.deleteIfExists(p);
                } catch (NumberFormatException | IOException ignored) {
                    // not ours, or already gone
                }
            }
        } catch (IOException ignored) {
            // nothing to sweep
        }
    }

    static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
