package org.multiprocessing4j;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.reflect.Method;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.ipc.Transfers;

/**
 * This process's client of one manager: one per (address, authkey) in a process, shared by all
 * proxies of that manager here.
 *
 * <h2>Connections</h2>
 * A <em>session</em> connection carries the reference counts (create, incref, decref, pin,
 * claim): its end, however it ends, releases this process's references on the server. Method
 * calls go over a connection per client thread, opened on the thread's first call and closed
 * when the thread is collected: the server runs each connection's calls on a thread of its own,
 * so a lock acquired by a client thread is owned by it, and a blocking call blocks only its
 * caller. A connection to a local server (Unix socket or loopback) moves its requests to a
 * shared-memory pipe after the handshake; the socket then only tells each side that the other
 * is still there.
 *
 * <h2>Failures</h2>
 * A connection that fails (the server died, the thread was interrupted during a call) is closed
 * and dropped; the call raises {@link ManagerException} (or {@link InterruptedException} where
 * the method declares it), and the thread's next call opens a new connection.
 */
final class ManagerClient {
    private static final ConcurrentHashMap<String, ManagerClient> CLIENTS = new ConcurrentHashMap<>();
    static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "mp4j-manager-cleaner");
        t.setDaemon(true);
        return t;
    });

    final SocketAddress address;
    final String addressText;
    final byte[] authkey;
    final SSLContext tls;
    final boolean sharedMemory;
    final Codec codec;
    final int maxFrame;
    final long clientId = ManagerWire.randomLong();
    private final String key;
    private final Object sessionLock = new Object();
    private Conn session; // guarded by sessionLock
    private final ThreadLocal<Conn> mine = new ThreadLocal<>();
    private final Set<Conn> open = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, TypeInfo> types = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Long> releases = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean releaseScheduled = new AtomicBoolean();
    private volatile boolean closed;

    private ManagerClient(String key, SocketAddress address, byte[] authkey, SSLContext tls, boolean sharedMemory,
            Codec codec, int maxFrame) {
        org.multiprocessing4j.internal.shm.ShmUse.noteManager(); // this process's warm JVMs warm managers up too
        this.key = key;
        this.address = address;
        this.addressText = ManagerWire.formatAddress(address);
        this.authkey = authkey.clone();
        this.tls = tls;
        this.sharedMemory = sharedMemory;
        this.codec = codec;
        this.maxFrame = maxFrame;
    }

    /**
     * The client of this manager in this process, made on first use. Proxies rebuilt by a
     * manager server's call threads (a proxy stored in a managed dict) get a client of their own:
     * a server and its clients may share a JVM (the thread start method), and a server thread
     * must never wait for a session that a client thread holds while it waits for that server.
     */
    static ManagerClient of(SocketAddress address, byte[] authkey, SSLContext tls, boolean sharedMemory, Codec codec,
            int maxFrame) {
        String key = ManagerWire.formatAddress(address) + "|" + digest(authkey) + "|" + (tls != null) + "|" + sharedMemory
                + (ManagerServer.inServerThread() ? "|server" : "");
        while (true) {
            ManagerClient c = CLIENTS.computeIfAbsent(key,
                    k -> new ManagerClient(k, address, authkey, tls, sharedMemory, codec, maxFrame));
            if (!c.closed) {
                return c;
            }
            CLIENTS.remove(key, c);
        }
    }

    private static String digest(byte[] authkey) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(authkey));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Connections

    /** One connection to the server: its socket, and its pipe when the server took one. */
    final class Conn implements AutoCloseable {
        final ManagerWire.Link link;
        final Connection pipe;
        final PoolWire.Out out = new PoolWire.Out(256);
        private final PoolWire.Inbox inbox = new PoolWire.Inbox(4096, 1 << 20);
        volatile boolean broken;

        Conn(ManagerWire.Link link, Connection pipe) {
            this.link = link;
            this.pipe = pipe;
        }

        /** Sends {@code out} and returns the reply. */
        PoolWire.In roundTrip(PoolWire.Out out) throws IOException, InterruptedException {
            try {
                PoolWire.In in;
                if (pipe != null) {
                    pipe.sendBytes(out.buffer(), 0, out.size());
                    in = inbox.receive(pipe);
                } else {
                    ManagerWire.writeFrame(link.out, out);
                    byte[] frame = ManagerWire.readFrame(link.in, Integer.MAX_VALUE - 8);
                    in = new PoolWire.In(frame);
                }
                if (out.size() > (1 << 20)) {
                    out.buf = new byte[256];
                }
                return in;
            } catch (IOException | InterruptedException | RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() {
            broken = true;
            link.close();
            if (pipe != null) {
                pipe.close();
            }
            open.remove(this);
        }
    }

    private Conn connect(byte kind) {
        if (closed) {
            throw new ManagerException("the client of the manager at " + addressText + " is closed (the manager was shut down)");
        }
        ManagerWire.Link link;
        try {
            link = ManagerWire.Link.connect(address, tls);
        } catch (ConnectException | java.nio.file.NoSuchFileException e) {
            throw new ManagerException("no manager at " + addressText + " (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new ManagerException("cannot connect to the manager at " + addressText + ": " + e, e);
        }
        Pipe pipe = null;
        try {
            ManagerWire.clientHandshake(link, authkey);
            PoolWire.Out hello = new PoolWire.Out(128).writeByte(ManagerWire.HELLO).writeByte(kind).writeLong(clientId)
                    .writeLong(ProcessHandle.current().pid());
            if (sharedMemory && tls == null && ManagerWire.isLocal(address)) {
                pipe = Context.newPipe(true, codec);
                hello.writeByte(1);
                Connection serverEnd = pipe.conn2();
                Transfers.aside(() -> PoolWire.writeValue(hello, serverEnd, codec));
            } else {
                hello.writeByte(0);
            }
            ManagerWire.writeFrame(link.out, hello);
            PoolWire.In reply = new PoolWire.In(ManagerWire.readFrame(link.in, 1 << 16));
            if (reply.readByte() != ManagerWire.OK) {
                throw new IOException("the manager refused the connection");
            }
            boolean onPipe = reply.readByte() != 0;
            Conn c;
            if (onPipe && pipe != null) {
                pipe.conn2().close(); // the server holds that end now
                c = new Conn(link, pipe.conn1());
            } else {
                if (pipe != null) {
                    pipe.conn1().close();
                    pipe.conn2().close();
                }
                c = new Conn(link, null);
            }
            open.add(c);
            if (closed) {
                c.close();
                throw new ManagerException("the client of the manager at " + addressText + " is closed");
            }
            return c;
        } catch (AuthenticationException e) {
            link.close();
            throw e;
        } catch (IOException | RuntimeException e) {
            link.close();
            if (pipe != null) {
                pipe.conn1().close();
                pipe.conn2().close();
            }
            if (e instanceof ManagerException m) {
                throw m;
            }
            throw new ManagerException("cannot connect to the manager at " + addressText + ": " + e, e);
        }
    }

    /** The calling thread's connection, opened on first use. */
    private Conn threadConn() {
        Conn c = mine.get();
        if (c == null || c.broken) {
            c = connect(ManagerWire.CALLS);
            mine.set(c);
            Conn toClose = c;
            CLEANER.register(Thread.currentThread(), toClose::close);
        }
        return c;
    }

    private Conn sessionConn() {
        Conn c = session;
        if (c == null || c.broken) {
            if (c != null) {
                throw new ManagerException("lost the session with the manager at " + addressText
                        + " (the manager died or was shut down); its proxies in this process no longer work");
            }
            c = connect(ManagerWire.SESSION);
            session = c;
        }
        return c;
    }

    /** Opens the session connection now. */
    void open() {
        synchronized (sessionLock) {
            sessionConn();
        }
    }

    /**
     * Runs one session request. The request is written before the session lock is taken: writing
     * a proxy argument pins it, itself a session request.
     */
    private PoolWire.In sessionRequest(java.util.function.Consumer<PoolWire.Out> write) {
        PoolWire.Out request = new PoolWire.Out(128);
        write.accept(request);
        synchronized (sessionLock) {
            Conn c = sessionConn();
            try {
                PoolWire.In in = reply(c.roundTrip(request), null);
                // a copy: the connection's buffer is the next request's once the lock is let go
                return new PoolWire.In(java.util.Arrays.copyOfRange(in.buf, in.pos, in.limit));
            } catch (RemoteFailure f) {
                Throwable t = f.getCause();
                t.addSuppressed(new ManagerException("raised by the manager at " + addressText + " for this call"));
                if (t instanceof RuntimeException r) {
                    throw r;
                }
                if (t instanceof Error e) {
                    throw e;
                }
                throw new ManagerException("the manager at " + addressText + " raised " + t, t);
            } catch (IOException e) {
                throw lost(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ManagerException("interrupted while talking to the manager at " + addressText, e);
            }
        }
    }

    private ManagerException lost(IOException e) {
        return new ManagerException("lost the connection to the manager at " + addressText + " (" + e.getMessage() + ")", e);
    }

    /** Reads a reply's status; an error is thrown as the server's exception (see {@link #rethrow}). */
    private PoolWire.In reply(PoolWire.In in, Method method) throws IOException {
        byte status = in.readByte();
        if (status == ManagerWire.OK) {
            return in;
        }
        if (status != ManagerWire.ERR) {
            throw new IOException("malformed reply status " + status);
        }
        throw new RemoteFailure(PoolWire.readError(in, codec));
    }

    /** An exception the server's call raised, on its way to {@link ProxyHandler}. */
    static final class RemoteFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RemoteFailure(Throwable cause) {
            super(cause.toString(), cause, false, false);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Requests

    long create(String typeid, Object[] args) {
        PoolWire.In in = sessionRequest(out -> {
            out.writeByte(ManagerWire.CREATE).writeText(typeid).writeInt(args.length);
            for (Object a : args) {
                PoolWire.writeValue(out, a, codec);
            }
        });
        try {
            return in.readLong();
        } catch (IOException e) {
            throw lost(e);
        }
    }

    /** The typeid's interface and method indices on the server, asked once per process. */
    TypeInfo describe(String typeid) {
        TypeInfo t = types.get(typeid);
        if (t != null) {
            return t;
        }
        PoolWire.In in = sessionRequest(out -> out.writeByte(ManagerWire.DESCRIBE).writeText(typeid));
        try {
            String iface = in.readText();
            int n = in.readInt();
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < n; i++) {
                index.put(in.readText(), i);
            }
            t = new TypeInfo(typeid, iface, index);
        } catch (IOException e) {
            throw lost(e);
        }
        TypeInfo prior = types.putIfAbsent(typeid, t);
        return prior != null ? prior : t;
    }

    void incref(long id) {
        sessionRequest(out -> out.writeByte(ManagerWire.INCREF).writeLong(id));
    }

    long pin(long id) {
        PoolWire.In in = sessionRequest(out -> out.writeByte(ManagerWire.PIN).writeLong(id));
        try {
            return in.readLong();
        } catch (IOException e) {
            throw lost(e);
        }
    }

    void claim(long token, long id) {
        sessionRequest(out -> out.writeByte(ManagerWire.CLAIM).writeLong(token).writeLong(id));
    }

    void shutdownServer() {
        sessionRequest(out -> out.writeByte(ManagerWire.SHUTDOWN));
    }

    /** Called by a collected proxy's cleaner: the release is sent in a batch, soon. */
    void releaseLater(long id) {
        if (closed) {
            return;
        }
        releases.add(id);
        if (releaseScheduled.compareAndSet(false, true)) {
            ManagerWire.TIMER.schedule(this::flushReleases, 20, TimeUnit.MILLISECONDS);
        }
    }

    private void flushReleases() {
        releaseScheduled.set(false);
        List<Long> ids = new ArrayList<>();
        for (Long id; (id = releases.poll()) != null;) {
            ids.add(id);
        }
        if (ids.isEmpty() || closed) {
            return;
        }
        try {
            sessionRequest(out -> {
                out.writeByte(ManagerWire.DECREF).writeInt(ids.size());
                for (long id : ids) {
                    out.writeLong(id);
                }
            });
        } catch (RuntimeException e) {
            // the manager is gone: its objects went with it
        }
    }

    /**
     * Calls method {@code index} of object {@code id} on this thread's connection.
     *
     * @throws RemoteFailure carrying what the server's call raised
     * @throws InterruptedException when interrupted while waiting for the reply (the connection is dropped)
     */
    Object call(long id, int index, Object[] args, Method method) throws InterruptedException {
        Conn c = threadConn();
        PoolWire.Out out = c.out;
        out.reset();
        out.writeByte(ManagerWire.CALL).writeLong(id).writeInt(index).writeInt(args == null ? 0 : args.length);
        if (args != null) {
            for (Object a : args) {
                PoolWire.writeValue(out, a, codec); // an argument that cannot travel fails here, nothing sent
            }
        }
        try {
            PoolWire.In in = reply(c.roundTrip(out), method);
            return PoolWire.readValue(in, codec);
        } catch (IOException e) {
            c.close();
            throw lost(e);
        }
    }

    /** Closes every connection of this process to the manager; proxies of it stop working. */
    void close() {
        closed = true;
        CLIENTS.remove(key, this);
        synchronized (sessionLock) {
            if (session != null) {
                session.close();
            }
        }
        for (Conn c : open) {
            c.close();
        }
    }

    /** A typeid as the server describes it: method signatures to indices. */
    static final class TypeInfo {
        final String typeid;
        final String interfaceName;
        private final Map<String, Integer> bySignature;
        private final ConcurrentHashMap<Method, Integer> byMethod = new ConcurrentHashMap<>();

        TypeInfo(String typeid, String interfaceName, Map<String, Integer> bySignature) {
            this.typeid = typeid;
            this.interfaceName = interfaceName;
            this.bySignature = bySignature;
        }

        /** The server's index of {@code m}, or -1 when the server's interface has no such method. */
        int index(Method m) {
            Integer i = byMethod.get(m);
            if (i == null) {
                i = bySignature.getOrDefault(ManagerServer.signature(m), -1);
                byMethod.put(m, i);
            }
            return i;
        }
    }
}
