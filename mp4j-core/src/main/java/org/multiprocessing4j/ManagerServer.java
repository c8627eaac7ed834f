package org.multiprocessing4j;

import java.io.EOFException;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.log.Log;

/**
 * The server of a {@link BaseManager}: holds the objects, runs the calls its clients forward to
 * them, and counts who refers to what. The protocol is in {@link ManagerWire}.
 *
 * <h2>Threads</h2>
 * An acceptor (the thread of {@link #serveForever()}); per connection, a virtual thread that runs
 * the handshake and then watches the socket, and a platform thread that runs the connection's
 * calls one after the other (a platform thread, because waiting on a shared-memory pipe is a
 * futex call that would pin a virtual thread's carrier). When the socket ends (the client closed
 * it, or died) the watcher interrupts the call thread, which stops what it waits for, releases
 * the locks the connection held ({@link ManagedObjects#releaseHeld()}) and, for a session, the
 * references of that client.
 *
 * <h2>Reference counts</h2>
 * Guarded by {@link #refLock}: an object lives while its count is above zero. A count is held
 * by a session (one per client process, see {@link ManagerClient}) for each proxy it has, or by a
 * pin: a proxy being serialised on its way to another process, claimed by that process when it
 * rebuilds the proxy, and dropped with the sender's session if never claimed.
 */
final class ManagerServer implements AutoCloseable {
    private static final Log LOG = Log.of(ManagerServer.class);

    /** A typeid: its interface, and the factory (null for a {@link ManagedObjects built-in}). */
    record Registered(String typeid, Class<?> type, ManagerFactory<?> factory) {}

    /** The methods of an interface that a proxy may call, by their index on the wire. */
    static final class Exposed {
        final Class<?> type;
        final Method[] methods;
        final String[] signatures;

        private Exposed(Class<?> type) {
            this.type = type;
            TreeMap<String, Method> bySignature = new TreeMap<>();
            for (Method m : type.getMethods()) {
                if (Modifier.isStatic(m.getModifiers())) {
                    continue;
                }
                String sig = signature(m);
                if (!bySignature.containsKey(sig)) {
                    try {
                        bySignature.put(sig, type.getMethod(m.getName(), m.getParameterTypes())); // the most specific
                    } catch (NoSuchMethodException e) {
                        bySignature.put(sig, m);
                    }
                }
            }
            this.methods = bySignature.values().toArray(new Method[0]);
            this.signatures = bySignature.keySet().toArray(new String[0]);
        }

        private static final ClassValue<Exposed> CACHE = new ClassValue<>() {
            @Override
            protected Exposed computeValue(Class<?> type) {
                return new Exposed(type);
            }
        };

        static Exposed of(Class<?> type) {
            return CACHE.get(type);
        }

        Method method(int index, String typeid) {
            if (index < 0 || index >= methods.length) {
                throw new UnsupportedOperationException("method #" + index + " is not exposed by typeid '" + typeid
                        + "' (" + type.getName() + ", " + methods.length + " methods)");
            }
            return methods[index];
        }
    }

    /** {@code name(paramType,...)}: how both sides name a method. */
    static String signature(Method m) {
        StringBuilder b = new StringBuilder(m.getName()).append('(');
        Class<?>[] params = m.getParameterTypes();
        for (int i = 0; i < params.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(params[i].getTypeName());
        }
        return b.append(')').toString();
    }

    private static final class Managed {
        final long id;
        final String typeid;
        final Object referent;
        final Exposed exposed;
        int refs; // guarded by refLock

        Managed(long id, String typeid, Object referent, Exposed exposed) {
            this.id = id;
            this.typeid = typeid;
            this.referent = referent;
            this.exposed = exposed;
        }
    }

    private static final class Session {
        final Map<Long, Integer> refs = new HashMap<>();
        final Set<Long> pins = new HashSet<>();
    }

    private record Pin(long clientId, long objectId) {}

    /** True on a server's call threads. */
    private static final ThreadLocal<Boolean> SERVER_THREAD = ThreadLocal.withInitial(() -> false);

    static boolean inServerThread() {
        return SERVER_THREAD.get();
    }

    private final Map<String, Registered> registry;
    private final byte[] authkey;
    private final Codec codec;
    private final int maxFrame;
    private final ServerSocketChannel channel;
    private final SSLServerSocket tlsSocket;
    private final SocketAddress address;
    private final String addressText;
    private final ConcurrentHashMap<Long, Managed> objects = new ConcurrentHashMap<>();
    private final Object refLock = new Object();
    private final Map<Long, Session> sessions = new HashMap<>();
    private final Map<Long, Pin> pins = new HashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicLong connectionNumber = new AtomicLong();
    private final Set<ServerConn> connections = ConcurrentHashMap.newKeySet();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closing;

    private ManagerServer(Map<String, Registered> registry, byte[] authkey, Codec codec, int maxFrame,
            ServerSocketChannel channel, SSLServerSocket tlsSocket, SocketAddress address) {
        this.registry = registry;
        this.authkey = authkey.clone();
        this.codec = codec;
        this.maxFrame = maxFrame;
        this.channel = channel;
        this.tlsSocket = tlsSocket;
        this.address = address;
        this.addressText = ManagerWire.formatAddress(address);
    }

    /**
     * Binds a server (it accepts nothing until {@link #serveForever()}).
     *
     * @throws IOException when the address cannot be bound (in use, no such interface ...)
     */
    static ManagerServer bind(SocketAddress address, byte[] authkey, Map<String, Registered> registry, Codec codec,
            int maxFrame, SSLContext tls) throws IOException {
        if (tls != null) {
            if (!(address instanceof InetSocketAddress i)) {
                throw new IllegalArgumentException("TLS needs a host:port address, not " + ManagerWire.formatAddress(address));
            }
            SSLServerSocket s = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
            s.setReuseAddress(true);
            s.bind(i);
            InetSocketAddress bound = new InetSocketAddress(i.getAddress(), s.getLocalPort());
            return new ManagerServer(registry, authkey, codec, maxFrame, null, s, bound);
        }
        ServerSocketChannel ch = address instanceof UnixDomainSocketAddress
                ? ServerSocketChannel.open(StandardProtocolFamily.UNIX) : ServerSocketChannel.open();
        try {
            ch.bind(address, 128);
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot bind a manager to " + ManagerWire.formatAddress(address) + ": " + e.getMessage(), e);
        }
        SocketAddress bound = ch.getLocalAddress();
        if (address instanceof InetSocketAddress i && bound instanceof InetSocketAddress b) {
            bound = new InetSocketAddress(i.getAddress(), b.getPort()); // keep the host as given
        }
        return new ManagerServer(registry, authkey, codec, maxFrame, ch, null, bound);
    }

    SocketAddress address() {
        return address;
    }

    /** Accepts and serves clients until {@link #close()} (or a client's shutdown request). */
    void serveForever() {
        LOG.info("manager serving at %s", addressText);
        try {
            while (!closing) {
                try {
                    if (channel != null) {
                        SocketChannel ch = channel.accept();
                        Thread.ofVirtual().name("mp4j-manager-handshake").start(
                                () -> handle(ManagerWire.Link.of(ch, "client of " + addressText)));
                    } else {
                        SSLSocket s = (SSLSocket) tlsSocket.accept();
                        s.setTcpNoDelay(true);
                        Thread.ofVirtual().name("mp4j-manager-handshake").start(() -> {
                            try {
                                handle(ManagerWire.Link.of(s, "client of " + addressText));
                            } catch (IOException e) {
                                closeQuietly(s);
                            }
                        });
                    }
                } catch (ClosedChannelException e) {
                    break;
                } catch (IOException e) {
                    if (closing) {
                        break;
                    }
                    LOG.warning("manager at %s: accept failed: %s", addressText, e);
                }
            }
        } finally {
            close();
            stopped.countDown();
        }
    }

    /** Waits until the server has stopped. */
    boolean awaitStop(long timeout, TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }

    /** Stops accepting, ends every connection and removes a Unix socket's file. Idempotent. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        closeQuietly(channel);
        closeQuietly(tlsSocket);
        for (ServerConn c : connections) {
            c.shut();
        }
        if (address instanceof UnixDomainSocketAddress u) {
            try {
                Files.deleteIfExists(u.getPath());
            } catch (IOException e) {
                // best effort
            }
        }
        LOG.debug("manager at %s closed", addressText);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Connections

    private void handle(ManagerWire.Link link) {
        try {
            if (!ManagerWire.serverHandshake(link, authkey)) {
                LOG.warning("manager at %s refused a client: wrong authkey", addressText);
                link.close();
                return;
            }
            byte[] helloFrame = ManagerWire.readFrame(link.in, maxFrame);
            PoolWire.In in = new PoolWire.In(helloFrame);
            if (in.readByte() != ManagerWire.HELLO) {
                throw new IOException("first frame is not HELLO");
            }
            byte kind = in.readByte();
            long clientId = in.readLong();
            long pid = in.readLong();
            Connection pipe = null;
            String refusal = null;
            if (in.readByte() != 0) {
                try {
                    if (PoolWire.readValue(in, codec) instanceof Connection c && c.readable() && c.writable()) {
                        pipe = c;
                    } else {
                        refusal = "not a duplex pipe end";
                    }
                } catch (RuntimeException e) {
                    refusal = "cannot attach the client's pipe: " + e.getMessage();
                }
            }
            ServerConn conn = new ServerConn(link, pipe, kind, clientId, pid);
            if (kind == ManagerWire.SESSION) {
                synchronized (refLock) {
                    sessions.putIfAbsent(clientId, new Session());
                }
            }
            PoolWire.Out reply = new PoolWire.Out(64).writeByte(ManagerWire.OK).writeByte(pipe != null ? 1 : 0);
            if (pipe == null) {
                reply.writeText(refusal == null ? "not asked" : refusal);
            }
            ManagerWire.writeFrame(link.out, reply);
            connections.add(conn);
            if (closing) {
                conn.shut();
            }
            conn.start();
            conn.watch();
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                LOG.debug("manager at %s: connection setup failed: %s", addressText, e);
            }
            link.close();
        }
    }

    /** One client connection: its call thread, and (this virtual thread) its socket's watcher. */
    private final class ServerConn {
        final ManagerWire.Link link;
        final Connection pipe;
        final byte kind;
        final long clientId;
        final long pid;
        /** Socket mode: requests read, not yet run. Bounded: a client that sends without reading waits. */
        final LinkedBlockingQueue<byte[]> frames = new LinkedBlockingQueue<>(4);
        final PoolWire.Out out = new PoolWire.Out(256);
        final PoolWire.Inbox inbox = new PoolWire.Inbox(4096, 1 << 20);
        Thread caller;
        volatile boolean ended;
        /** Set by a SHUTDOWN request (on the call thread): the server closes once the reply is sent. */
        boolean stopAfterReply;

        ServerConn(ManagerWire.Link link, Connection pipe, byte kind, long clientId, long pid) {
            this.link = link;
            this.pipe = pipe;
            this.kind = kind;
            this.clientId = clientId;
            this.pid = pid;
        }

        void start() {
            caller = Thread.ofPlatform().daemon().name("mp4j-manager-conn-" + connectionNumber.incrementAndGet()
                    + "-pid" + pid).start(this::callLoop);
        }

        /** Reads the socket until it ends; in socket mode the frames are the requests. */
        void watch() {
            try {
                while (!ended) {
                    if (pipe != null) {
                        if (link.in.read() < 0) {
                            break;
                        }
                        LOG.warning("manager at %s: data on the socket of a pipe connection (pid %d); closing it", addressText, pid);
                        break;
                    }
                    frames.put(ManagerWire.readFrame(link.in, maxFrame));
                }
            } catch (ManagerWire.FrameTooLarge e) {
                LOG.warning("manager at %s: %s from pid %d; closing that connection", addressText, e.getMessage(), pid);
            } catch (IOException | InterruptedException e) {
                // the client closed the socket or died
            } finally {
                shut();
            }
        }

        /** Ends the connection: the call thread stops what it waits for and cleans up. */
        void shut() {
            if (ended) {
                return;
            }
            ended = true;
            link.close();
            Thread c = caller;
            if (c != null) {
                c.interrupt();
            }
        }

        private PoolWire.In next() throws IOException, InterruptedException {
            if (pipe == null) {
                return new PoolWire.In(frames.take());
            }
            try {
                return inbox.receive(pipe, maxFrame);
            } catch (PoolWire.TooLarge e) {
                throw new ManagerWire.FrameTooLarge(e.getMessage());
            }
        }

        private void send(PoolWire.Out reply) throws IOException, InterruptedException {
            if (pipe != null) {
                pipe.sendBytes(reply.buffer(), 0, reply.size());
            } else {
                ManagerWire.writeFrame(link.out, reply);
            }
        }

        void callLoop() {
            SERVER_THREAD.set(true);
            try {
                while (!ended) {
                    PoolWire.In request;
                    try {
                        request = next();
                    } catch (EOFException | InterruptedException e) {
                        break;
                    }
                    Object taken = dispatch(request, out, this);
                    try {
                        send(out);
                    } catch (IOException | InterruptedException e) {
                        undelivered(taken);
                        break;
                    }
                    if (out.size() > (1 << 20)) {
                        out.buf = new byte[256];
                    }
                    if (stopAfterReply) {
                        stopAfterReply = false;
                        Thread.ofVirtual().start(ManagerServer.this::close);
                    }
                }
            } catch (ManagerWire.FrameTooLarge e) {
                LOG.warning("manager at %s: %s from pid %d; closing that connection", addressText, e.getMessage(), pid);
            } catch (IOException e) {
                if (!ended && !closing) {
                    LOG.warning("manager at %s: malformed request from pid %d (%s); closing that connection", addressText, pid, e.getMessage());
                }
            } catch (RuntimeException | Error e) {
                LOG.error("manager at %s: connection of pid %d failed: %s", addressText, pid, e);
            } finally {
                Thread.interrupted(); // cleanup below must not be cut short
                ManagedObjects.releaseHeld();
                if (kind == ManagerWire.SESSION) {
                    endSession(clientId);
                }
                shut();
                if (pipe != null) {
                    pipe.close();
                }
                connections.remove(this);
            }
        }
    }

    /** An item a queue gave to a client whose answer could not be sent goes back to the head. */
    private static void undelivered(Object taken) {
        if (taken instanceof Taken t) {
            t.queue.giveBack(t.item);
        }
    }

    private record Taken(ManagedObjects.ServerQueue<?> queue, Object item) {}

    private static boolean takes(Method m) {
        String n = m.getName();
        return n.equals("take") || n.equals("poll") || n.equals("remove") && m.getParameterCount() == 0
                || n.equals("pollFirst") || n.equals("takeFirst") || n.equals("removeFirst");
    }

    // -----------------------------------------------------------------------------------------
    // Requests

    /**
     * Runs one request and writes its reply into {@code out}.
     *
     * @return what a queue gave away in this call ({@link Taken}), to give back if the reply
     *     cannot be sent; else null
     * @throws IOException when the request is malformed (the connection is closed)
     */
    private Object dispatch(PoolWire.In in, PoolWire.Out out, ServerConn conn) throws IOException {
        out.reset();
        byte op = in.readByte();
        Object taken = null;
        try {
            switch (op) {
                case ManagerWire.CALL -> {
                    long id = in.readLong();
                    int index = in.readInt();
                    Object[] args = readArgs(in);
                    Managed m = objects.get(id);
                    if (m == null) {
                        throw new NoSuchElementException("no object #" + id + " on the manager at " + addressText
                                + " (it was released)");
                    }
                    Object result;
                    if (index == ManagerWire.TO_STRING) {
                        result = String.valueOf(m.referent);
                    } else if (index == ManagerWire.SNAPSHOT) {
                        result = ManagedObjects.snapshot(m.referent);
                    } else {
                        Method method = m.exposed.method(index, m.typeid);
                        if (args.length != method.getParameterCount()) {
                            throw new IllegalArgumentException(signature(method) + " takes " + method.getParameterCount()
                                    + " arguments, not " + args.length);
                        }
                        result = ManagedObjects.copyResult(invoke(method, m.referent, args));
                        if (result != null && m.referent instanceof ManagedObjects.ServerQueue<?> q && takes(method)) {
                            taken = new Taken(q, result);
                        }
                    }
                    out.writeByte(ManagerWire.OK);
                    PoolWire.writeValue(out, result, codec);
                }
                case ManagerWire.CREATE -> {
                    String typeid = in.readText();
                    Object[] args = readArgs(in);
                    long id = create(conn.clientId, typeid, args);
                    out.writeByte(ManagerWire.OK).writeLong(id);
                }
                case ManagerWire.DESCRIBE -> {
                    Registered r = registered(in.readText());
                    Exposed e = Exposed.of(r.type());
                    out.writeByte(ManagerWire.OK).writeText(e.type.getName()).writeInt(e.signatures.length);
                    for (String s : e.signatures) {
                        out.writeText(s);
                    }
                }
                case ManagerWire.INCREF -> {
                    incref(conn.clientId, in.readLong());
                    out.writeByte(ManagerWire.OK);
                }
                case ManagerWire.DECREF -> {
                    int n = in.readInt();
                    if (n < 0 || n > (in.limit - in.pos) / 8) {
                        throw new IOException("malformed DECREF count " + n);
                    }
                    long[] ids = new long[n];
                    for (int i = 0; i < n; i++) {
                        ids[i] = in.readLong();
                    }
                    decref(conn.clientId, ids);
                    out.writeByte(ManagerWire.OK);
                }
                case ManagerWire.PIN -> {
                    long token = pin(conn.clientId, in.readLong());
                    out.writeByte(ManagerWire.OK).writeLong(token);
                }
                case ManagerWire.CLAIM -> {
                    long token = in.readLong();
                    claim(conn.clientId, token, in.readLong());
                    out.writeByte(ManagerWire.OK);
                }
                case ManagerWire.SHUTDOWN -> {
                    LOG.info("manager at %s: shutdown requested by pid %d", addressText, conn.pid);
                    out.writeByte(ManagerWire.OK);
                    conn.stopAfterReply = true;
                }
                default -> throw new IOException("unknown request " + op);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            out.reset();
            out.writeByte(ManagerWire.ERR);
            PoolWire.writeError(out, t, codec);
            return null;
        }
        return taken;
    }

    private Object[] readArgs(PoolWire.In in) throws IOException {
        int argc = in.readInt();
        if (argc < 0 || argc > 255) {
            throw new IOException("malformed argument count " + argc);
        }
        Object[] args = new Object[argc];
        for (int i = 0; i < argc; i++) {
            args[i] = PoolWire.readValue(in, codec);
        }
        return args;
    }

    private static Object invoke(Method method, Object referent, Object[] args) throws Throwable {
        try {
            return method.invoke(referent, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private Registered registered(String typeid) {
        Registered r = registry.get(typeid);
        if (r == null) {
            throw new IllegalArgumentException("unknown typeid '" + typeid + "' on the manager at " + addressText
                    + "; it has " + registry.keySet());
        }
        return r;
    }

    private long create(long clientId, String typeid, Object[] args) throws Exception {
        Registered r = registered(typeid);
        Object referent = r.factory() == null ? ManagedObjects.createBuiltIn(typeid, args, this) : r.factory().create(args);
        if (referent == null) {
            throw new IllegalStateException("the factory of typeid '" + typeid + "' returned null");
        }
        if (!r.type().isInstance(referent)) {
            throw new IllegalStateException("the factory of typeid '" + typeid + "' returned a " + referent.getClass().getName()
                    + ", which does not implement " + r.type().getName());
        }
        long id = nextId.getAndIncrement();
        Managed m = new Managed(id, typeid, referent, Exposed.of(r.type()));
        synchronized (refLock) {
            Session s = session(clientId);
            m.refs = 1;
            objects.put(id, m);
            s.refs.merge(id, 1, Integer::sum);
        }
        return id;
    }

    private Session session(long clientId) {
        Session s = sessions.get(clientId);
        if (s == null) {
            throw new IllegalStateException("client " + Long.toHexString(clientId) + " has no session on the manager at " + addressText);
        }
        return s;
    }

    private Managed existing(long id) {
        Managed m = objects.get(id);
        if (m == null) {
            throw new NoSuchElementException("no object #" + id + " on the manager at " + addressText
                    + " (its last holder released it)");
        }
        return m;
    }

    private void incref(long clientId, long id) {
        synchronized (refLock) {
            Session s = session(clientId);
            existing(id).refs++;
            s.refs.merge(id, 1, Integer::sum);
        }
    }

    private void decref(long clientId, long[] ids) {
        synchronized (refLock) {
            Session s = sessions.get(clientId);
            for (long id : ids) {
                if (s != null) {
                    Integer n = s.refs.get(id);
                    if (n == null) {
                        continue; // not this client's to release
                    }
                    if (n == 1) {
                        s.refs.remove(id);
                    } else {
                        s.refs.put(id, n - 1);
                    }
                }
                release(id, 1);
            }
        }
    }

    private void release(long id, int n) {
        Managed m = objects.get(id);
        if (m != null) {
            m.refs -= n;
            if (m.refs <= 0) {
                objects.remove(id);
            }
        }
    }

    private long pin(long clientId, long id) {
        synchronized (refLock) {
            Session s = session(clientId);
            existing(id).refs++;
            long token;
            do {
                token = ManagerWire.randomLong();
            } while (token == 0 || pins.containsKey(token));
            pins.put(token, new Pin(clientId, id));
            s.pins.add(token);
            return token;
        }
    }

    private void claim(long clientId, long token, long id) {
        synchronized (refLock) {
            Session s = session(clientId);
            Pin p = pins.get(token);
            if (p != null && p.objectId() == id) {
                pins.remove(token);
                Session sender = sessions.get(p.clientId());
                if (sender != null) {
                    sender.pins.remove(token);
                }
                s.refs.merge(id, 1, Integer::sum); // the pin's count becomes the claimant's
                return;
            }
            Managed m = objects.get(id);
            if (m == null) {
                throw new NoSuchElementException("object #" + id + " of the manager at " + addressText
                        + " is gone: every holder released it before this process received its proxy");
            }
            m.refs++;
            s.refs.merge(id, 1, Integer::sum);
        }
    }

    private void endSession(long clientId) {
        synchronized (refLock) {
            Session s = sessions.remove(clientId);
            if (s == null) {
                return;
            }
            for (Map.Entry<Long, Integer> e : s.refs.entrySet()) {
                release(e.getKey(), e.getValue());
            }
            for (long token : s.pins) {
                Pin p = pins.remove(token);
                if (p != null) {
                    release(p.objectId(), 1);
                }
            }
        }
    }

    /** The object a proxy of this server stands for (a Condition made over a lock proxy). */
    Object referentOf(Object proxy) {
        if (!(proxy instanceof ManagerProxy p)) {
            throw new IllegalArgumentException("not a proxy of a manager: " + proxy.getClass().getName());
        }
        if (!ManagerWire.formatAddress(p.managerAddress()).equals(addressText)) {
            throw new IllegalArgumentException("a proxy of the manager at " + ManagerWire.formatAddress(p.managerAddress())
                    + ", not of this one at " + addressText);
        }
        return existing(p.objectId()).referent;
    }

    /** Objects alive now (tests, diagnostics). */
    int objectCount() {
        return objects.size();
    }


    // -----------------------------------------------------------------------------------------
    // The server process of BaseManager.start()

    /**
     * The spec a server process is started with: address, authkey, frame limit, the codec's
     * allow-list, and the typeids.
     * Built-in typeids travel by name; a registered factory as {@link Codec#encodeFunction} bytes.
     */
    static byte[] spec(String address, byte[] authkey, int maxFrame, Map<String, Registered> registry, Codec codec) {
        PoolWire.Out out = new PoolWire.Out(256).writeText(address).writeInt(authkey.length).write(authkey).writeInt(maxFrame);
        PoolWire.writeRegistry(out, codec.generation(), codec.registeredNames());
        out.writeInt(registry.size());
        for (Registered r : registry.values()) {
            out.writeText(r.typeid()).writeText(r.type().getName());
            if (r.factory() == null) {
                out.writeByte(0);
            } else {
                byte[] f = codec.encodeFunction(r.factory());
                out.writeByte(1).writeInt(f.length).write(f);
            }
        }
        return out.bytes();
    }

    /** The body of a server process: binds, reports the address (or the failure) on {@code ready}, serves. */
    static void runChild(byte[] spec, Connection ready) throws Exception {
        ManagerServer server;
        try {
            PoolWire.In in = new PoolWire.In(spec);
            String address = in.readText();
            byte[] key = new byte[in.readInt()];
            System.arraycopy(in.buf, in.pos, key, 0, key.length);
            in.pos += key.length;
            int maxFrame = in.readInt();
            int generation = in.readInt();
            Codec codec = Codec.fromRegistry(PoolWire.readNames(in), generation, ManagerServer.class.getClassLoader());
            int n = in.readInt();
            Map<String, Registered> registry = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String typeid = in.readText();
                Class<?> type = Class.forName(in.readText(), false, ManagerServer.class.getClassLoader());
                ManagerFactory<?> factory = null;
                if (in.readByte() != 0) {
                    factory = (ManagerFactory<?>) codec.decodeFunction(in.readBytes());
                }
                registry.put(typeid, new Registered(typeid, type, factory));
            }
            server = bind(ManagerWire.parseAddress(address), key, registry, codec, maxFrame, null);
            ready.send("OK " + ManagerWire.formatAddress(server.address()));
        } catch (Exception | Error e) {
            ready.send("ERR " + e);
            throw e;
        } finally {
            ready.close();
        }
        // The JVM was prepared before its parent used a manager, so without the manager warm-up:
        // compile the server's paths now, beside the first clients, rather than one client at a time
        // (each new connection's first requests and each connection's end otherwise threw the
        // compiled code away again: measured 6-8 us per op for a fresh child's 20,000 calls).
        if (Multiprocessing.currentProcess().startMethod() != StartMethod.THREAD) { // a thread shares its parent's JVM
            Thread.ofPlatform().daemon().name("mp4j-manager-warmup").start(SharedWarmup::runManagerOnce);
        }
        server.serveForever();
    }


}
