package org.multiprocessing4j;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The manager's protocol: the handshake, the frames, and the requests and replies inside them.
 * All numbers big-endian; values as {@link PoolWire#writeValue} writes them (common values
 * inline, anything else in the codec's class-naming format behind the allow-list).
 *
 * <h2>Handshake (fixed lengths: nothing is parsed, let alone deserialised, before it ends)</h2>
 * <pre>
 *   server -> client   "MP4JMGR1" (8 bytes) | server nonce (32 random bytes)
 *   client -> server   HMAC-SHA256(authkey, "C" | server nonce) (32) | client nonce (32)
 *   server -> client   0 (refused; the server closes)
 *                    | 1 | HMAC-SHA256(authkey, "S" | client nonce | server nonce) (32)
 * </pre>
 * Both sides prove they know the authkey (CPython's mutual challenge, with SHA-256). Proofs are
 * compared in constant time. A handshake that takes longer than {@link #HANDSHAKE_TIMEOUT_MS}
 * is cut off.
 *
 * <h2>Frames</h2>
 * On a socket: int32 length | body, the length at most the server's frame limit (a larger one
 * closes that connection, before anything is allocated). On a shared-memory pipe (a local
 * client's upgrade, see {@code HELLO}): one pipe message per body, same limit.
 *
 * <h2>Requests (client to server)</h2>
 * <pre>
 *   HELLO    1 | kind int8 (0 session, 1 calls) | clientId int64 | pid int64 | hasPipe int8 [value: Connection]
 *            reply: OK | onPipe int8 [| reason text]     (first frame of every connection, on the socket)
 *   CREATE   2 | typeid text | argc int32 | value*          reply: OK | objectId int64
 *   DESCRIBE 3 | typeid text       reply: OK | interface text | count int32 | signature text*
 *   CALL     4 | objectId int64 | method int32 | argc int32 | value*     reply: OK | value
 *              (method -1: the referent's toString; -2: a snapshot copy of a collection or map)
 *   INCREF   5 | objectId int64                              reply: OK
 *   DECREF   6 | count int32 | objectId int64*               reply: OK
 *   PIN      7 | objectId int64                              reply: OK | token int64
 *   CLAIM    8 | token int64 | objectId int64                reply: OK
 *   SHUTDOWN 9                                               reply: OK, then the server stops
 *   reply := OK 0 | ... | ERR 1 | error ({@link PoolWire#writeError})
 * </pre>
 * {@code CREATE}, the reference counts and pins belong to the client's session: they are
 * released when the session's connection ends (the client closed it, or died).
 */
final class ManagerWire {
    static final byte HELLO = 1;
    static final byte CREATE = 2;
    static final byte DESCRIBE = 3;
    static final byte CALL = 4;
    static final byte INCREF = 5;
    static final byte DECREF = 6;
    static final byte PIN = 7;
    static final byte CLAIM = 8;
    static final byte SHUTDOWN = 9;

    static final byte OK = 0;
    static final byte ERR = 1;

    static final byte SESSION = 0;
    static final byte CALLS = 1;

    static final int TO_STRING = -1;
    static final int SNAPSHOT = -2;

    /** The default frame limit: 64 MiB. */
    static final int DEFAULT_MAX_FRAME = 64 << 20;
    static final long HANDSHAKE_TIMEOUT_MS = Long.getLong("mp4j.manager.handshakeTimeoutMs", 10_000);

    private static final byte[] MAGIC = "MP4JMGR1".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Cuts off handshakes that take too long; one daemon thread for the whole JVM. */
    static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mp4j-manager-timer");
        t.setDaemon(true);
        return t;
    });

    private ManagerWire() {}

    static long randomLong() {
        return RANDOM.nextLong();
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    // ---------------------------------------------------------------------------------------
    // Addresses

    /** {@code /path/to/socket} or {@code host:port} ({@code [v6]:port}) to an address. */
    static SocketAddress parseAddress(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty manager address");
        }
        if (text.startsWith("unix:")) {
            return UnixDomainSocketAddress.of(text.substring(5));
        }
        if (text.startsWith("/") || text.startsWith(".")) {
            return UnixDomainSocketAddress.of(text);
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("manager address '" + text + "' is neither a socket path nor host:port");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("manager address '" + text + "': port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("manager address '" + text + "': port out of range");
        }
        return new InetSocketAddress(host, port);
    }

    /** The inverse of {@link #parseAddress}. */
    static String formatAddress(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress u) {
            return u.getPath().toString();
        }
        if (address instanceof InetSocketAddress i) {
            String host = i.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        throw new IllegalArgumentException("unsupported manager address " + address);
    }

    /** True for a Unix socket or a loopback TCP address: a client that can share memory with the server. */
    static boolean isLocal(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress) {
            return true;
        }
        return address instanceof InetSocketAddress i && i.getAddress() != null && i.getAddress().isLoopbackAddress();
    }

    // ---------------------------------------------------------------------------------------
    // Links: a connected socket as two streams that two threads may use at once

    /** One connected socket, Unix or TCP (plain through a channel, TLS through an SSLSocket). */
    static final class Link implements AutoCloseable {
        final InputStream in;
        final OutputStream out;
        private final AutoCloseable closer;
        final String peer;

        Link(InputStream in, OutputStream out, AutoCloseable closer, String peer) {
            this.in = in;
            this.out = out;
            this.closer = closer;
            this.peer = peer;
        }

        static Link of(SocketChannel ch, String peer) {
            return new Link(new ChannelIn(ch), new ChannelOut(ch), ch, peer);
        }

        static Link of(SSLSocket s, String peer) throws IOException {
            return new Link(s.getInputStream(), s.getOutputStream(), s, peer);
        }

        /** Connects to a manager (no handshake yet). */
        static Link connect(SocketAddress address, SSLContext tls) throws IOException {
            String peer = formatAddress(address);
            if (tls != null) {
                if (!(address instanceof InetSocketAddress i)) {
                    throw new IOException("TLS needs a host:port address, not " + peer);
                }
                SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(i.getAddress(), i.getPort());
                s.setTcpNoDelay(true);
                s.startHandshake();
                return of(s, peer);
            }
            SocketChannel ch = address instanceof UnixDomainSocketAddress
                    ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
            try {
                if (!(address instanceof UnixDomainSocketAddress)) {
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                ch.connect(address);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            return of(ch, peer);
        }

        @Override
        public void close() {
            try {
                closer.close();
            } catch (Exception e) {
                // closing is best effort
            }
        }
    }

    /** Reads a blocking channel; unlike {@code Channels.newInputStream}, never holds a lock a writer needs. */
    private static final class ChannelIn extends InputStream {
        private final SocketChannel ch;

        ChannelIn(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            return ch.read(ByteBuffer.wrap(b, off, len));
        }
    }

    private static final class ChannelOut extends OutputStream {
        private final SocketChannel ch;

        ChannelOut(SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Handshake

    private static byte[] hmac(byte[] key, byte tag, byte[] a, byte[] b) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
            mac.update(tag);
            mac.update(a);
            if (b != null) {
                mac.update(b);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Runs {@code body} with the link closed after the handshake timeout unless it finished. */
    private static <T> T withDeadline(Link link, IoCall<T> body) throws IOException {
        ScheduledFuture<?> cut = TIMER.schedule(link::close, HANDSHAKE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        try {
            return body.call();
        } finally {
            cut.cancel(false);
        }
    }

    @FunctionalInterface
    private interface IoCall<T> {
        T call() throws IOException;
    }

    /**
     * The server's half of the handshake.
     *
     * @return true when the client proved it knows the key; false when it did not (it was told,
     *     and the caller closes the link)
     * @throws IOException when the link failed or timed out
     */
    static boolean serverHandshake(Link link, byte[] key) throws IOException {
        return withDeadline(link, () -> {
            byte[] serverNonce = randomBytes(NONCE);
            byte[] hello = new byte[MAGIC.length + NONCE];
            System.arraycopy(MAGIC, 0, hello, 0, MAGIC.length);
            System.arraycopy(serverNonce, 0, hello, MAGIC.length, NONCE);
            link.out.write(hello);
            link.out.flush();
            byte[] answer = readFully(link.in, 32 + NONCE);
            byte[] proof = Arrays.copyOfRange(answer, 0, 32);
            byte[] clientNonce = Arrays.copyOfRange(answer, 32, 32 + NONCE);
            if (!MessageDigest.isEqual(proof, hmac(key, (byte) 'C', serverNonce, null))) {
                link.out.write(0);
                link.out.flush();
                return false;
            }
            byte[] reply = new byte[33];
            reply[0] = 1;
            System.arraycopy(hmac(key, (byte) 'S', clientNonce, serverNonce), 0, reply, 1, 32);
            link.out.write(reply);
            link.out.flush();
            return true;
        });
    }

    /**
     * The client's half of the handshake.
     *
     * @throws AuthenticationException when the server refused the key, or could not prove it knows it
     * @throws IOException when the link failed, timed out, or the peer is not a manager
     */
    static void clientHandshake(Link link, byte[] key) throws IOException {
        withDeadline(link, () -> {
            byte[] hello;
            try {
                hello = readFully(link.in, MAGIC.length + NONCE);
            } catch (EOFException e) {
                throw new IOException("the server at " + link.peer + " closed the connection before the handshake"
                        + " (not a multiprocessing4j manager, or it refused this client)", e);
            }
            if (!Arrays.equals(hello, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                throw new IOException("the server at " + link.peer + " is not a multiprocessing4j manager (bad greeting)");
            }
            byte[] serverNonce = Arrays.copyOfRange(hello, MAGIC.length, hello.length);
            byte[] clientNonce = randomBytes(NONCE);
            byte[] answer = new byte[32 + NONCE];
            System.arraycopy(hmac(key, (byte) 'C', serverNonce, null), 0, answer, 0, 32);
            System.arraycopy(clientNonce, 0, answer, 32, NONCE);
            link.out.write(answer);
            link.out.flush();
            int verdict = link.in.read();
            if (verdict != 1) {
                throw new AuthenticationException("the manager at " + link.peer + " refused the authkey");
            }
            byte[] proof = readFully(link.in, 32);
            if (!MessageDigest.isEqual(proof, hmac(key, (byte) 'S', clientNonce, serverNonce))) {
                throw new AuthenticationException("the manager at " + link.peer + " failed to prove it knows the authkey");
            }
            return null;
        });
    }

    static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int at = 0;
        while (at < n) {
            int r = in.read(b, at, n - at);
            if (r < 0) {
                throw new EOFException("connection closed after " + at + " of " + n + " bytes");
            }
            at += r;
        }
        return b;
    }

    // ---------------------------------------------------------------------------------------
    // Frames on a socket

    static void writeFrame(OutputStream out, PoolWire.Out body) throws IOException {
        byte[] b = body.buffer();
        int n = body.size();
        byte[] frame = new byte[4 + n];
        frame[0] = (byte) (n >>> 24);
        frame[1] = (byte) (n >>> 16);
        frame[2] = (byte) (n >>> 8);
        frame[3] = (byte) n;
        System.arraycopy(b, 0, frame, 4, n);
        out.write(frame);
        out.flush();
    }

    /**
     * Reads one frame.
     *
     * @throws EOFException at a clean end of stream before a frame
     * @throws IOException when the frame is larger than {@code maxFrame} (nothing allocated) or truncated
     */
    static byte[] readFrame(InputStream in, int maxFrame) throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            throw new EOFException("connection closed");
        }
        byte[] rest = readFully(in, 3);
        int n = (b0 << 24) | ((rest[0] & 0xff) << 16) | ((rest[1] & 0xff) << 8) | (rest[2] & 0xff);
        if (n < 1 || n > maxFrame) {
            throw new FrameTooLarge("frame of " + (n & 0xffffffffL) + " bytes refused (limit " + maxFrame + ")");
        }
        return readFully(in, n);
    }

    /** A frame over the limit: the connection is closed. */
    static final class FrameTooLarge extends IOException {
        FrameTooLarge(String message) {
            super(message);
        }
    }
}
