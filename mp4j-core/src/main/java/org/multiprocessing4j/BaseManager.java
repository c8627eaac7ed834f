package org.multiprocessing4j;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * A server of shared objects and its clients: CPython's
 * {@code multiprocessing.managers.BaseManager}.
 *
 * <p>A manager's server holds objects; other processes, on this machine or another, hold
 * <em>proxies</em> that forward method calls to them. Register a typeid with the interface its
 * proxies implement and, on the server side, the factory that makes its objects; then either
 * {@link #start()} a server process, {@link #serveForever()} in this one, or {@link #connect()}
 * to a server that runs elsewhere. {@link #create} asks the server for an object and returns its
 * proxy.
 *
 * <pre>{@code
 * // server (the source texts' distributed queue)
 * LinkedBlockingQueue<String> tasks = new LinkedBlockingQueue<>();
 * BaseManager server = new BaseManager(new InetSocketAddress("127.0.0.1", 5438), key)
 *         .register("get_task_queue", BlockingQueue.class, args -> tasks);
 * server.serveForever();
 *
 * // client, in another process
 * BaseManager m = new BaseManager(new InetSocketAddress("127.0.0.1", 5438), key)
 *         .register("get_task_queue", BlockingQueue.class)
 *         .connect();
 * BlockingQueue<String> q = m.create("get_task_queue");
 * q.put("hello");
 * }</pre>
 *
 * <h2>Security</h2>
 * Every connection starts with a mutual HMAC-SHA256 challenge on the authkey; a client with a
 * wrong key is refused before either side sends or deserialises anything, and the server goes on
 * serving the others. After that only allow-listed classes cross (JDK values and collections,
 * this library's handles, and the classes registered with the context's codec). Frames above the
 * frame limit ({@link #maxFrameBytes}, 64 MiB by default) close the connection that sent them. A
 * TCP address binds exactly the host it names (use 127.0.0.1 unless other machines must reach
 * the server); {@link #tls} encrypts TCP connections. The default address of {@link #start()} is a
 * Unix socket in the user's private directory (mode 0700), named by pid so that one left by a
 * killed JVM is removed when the next manager starts.
 *
 * <h2>Speed</h2>
 * A client on the same machine (Unix socket, or a loopback TCP address) moves its requests to a
 * shared-memory pipe after the handshake: a call costs one round trip on shared memory, a few
 * microseconds, instead of a socket's tens. {@link #sharedMemory(boolean) sharedMemory(false)}
 * keeps them on the socket.
 *
 * <h2>Lifetime</h2>
 * An object lives while any proxy of it, in any process, is reachable: each proxy holds a
 * reference on the server, released when the proxy is collected, and all of a process's
 * references are released when that process ends, however it ends. {@link #close()} shuts a
 * started server down (CPython's {@code shutdown}) or disconnects a connected client.
 *
 * <p>Not thread-safe while being configured; thread-safe once started or connected.
 */
public class BaseManager implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(Long.getLong("mp4j.manager.startTimeoutSeconds", 60));

    private enum State { NEW, STARTED, CONNECTED, SERVING, CLOSED }

    private final SocketAddress requested;
    private final byte[] authkey;
    private final Map<String, ManagerServer.Registered> registry = new LinkedHashMap<>();
    private Context context;
    private SSLContext tls;
    private int maxFrameBytes = ManagerWire.DEFAULT_MAX_FRAME;
    private boolean sharedMemory = true;

    private State state = State.NEW;
    private SocketAddress address;
    private Process serverProcess;
    private ManagerServer localServer;
    private ManagerClient client;
    private Path defaultSocket;

    /**
     * A manager whose server, once started, listens on a fresh Unix socket in a private
     * directory, with the current process's authkey (CPython's defaults).
     */
    public BaseManager() {
        this(null, Multiprocessing.currentProcess().authkey());
    }

    /**
     * A manager at {@code address} ({@link InetSocketAddress} for TCP, port 0 to let the system
     * choose when starting; {@link UnixDomainSocketAddress} for a Unix socket; null for a fresh
     * private Unix socket) with {@code authkey}.
     */
    public BaseManager(SocketAddress address, byte[] authkey) {
        if (authkey == null) {
            throw new NullPointerException("authkey");
        }
        if (address != null && !(address instanceof InetSocketAddress) && !(address instanceof UnixDomainSocketAddress)) {
            throw new IllegalArgumentException("a manager address is an InetSocketAddress or a UnixDomainSocketAddress, not "
                    + address.getClass().getName());
        }
        this.requested = address;
        this.authkey = authkey.clone();
    }

    /**
     * {@code "host:port"} or a socket path, as {@code ./mp4j manager serve --address} takes it.
     *
     * @throws IllegalArgumentException when the text is neither
     */
    public static SocketAddress address(String text) {
        return ManagerWire.parseAddress(text);
    }

    private void configurable() {
        if (state != State.NEW) {
            throw new IllegalStateException("the manager is already " + state.name().toLowerCase() + "; configure it before"
                    + " start(), connect() or serveForever()");
        }
    }

    /** The context whose start method runs the server process, and whose codec (allow-list) values use. */
    public BaseManager context(Context context) {
        configurable();
        this.context = Objects.requireNonNull(context, "context");
        return this;
    }

    /**
     * Encrypts TCP connections with TLS: the server takes its key material from {@code tls}, a
     * client its trust material. Only for {@link #serveForever()} and {@link #connect()} (a
     * started server process cannot receive an SSLContext).
     */
    public BaseManager tls(SSLContext tls) {
        configurable();
        this.tls = Objects.requireNonNull(tls, "tls");
        return this;
    }

    /** The largest frame a server accepts (64 MiB by default); a larger one closes its connection. */
    public BaseManager maxFrameBytes(int maxFrameBytes) {
        configurable();
        if (maxFrameBytes < 1024) {
            throw new IllegalArgumentException("maxFrameBytes must be at least 1024, not " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
        return this;
    }

    /** Whether local clients move to a shared-memory pipe after the handshake (default true). */
    public BaseManager sharedMemory(boolean sharedMemory) {
        configurable();
        this.sharedMemory = sharedMemory;
        return this;
    }

    /**
     * Registers a typeid on the server side: {@code factory} makes its objects (each
     * {@link #create} call runs it with the client's arguments), and proxies implement
     * {@code type}. CPython's {@code register(typeid, callable)}.
     *
     * @throws IllegalArgumentException when {@code type} is not a public interface or the typeid is taken
     */
    public <T> BaseManager register(String typeid, Class<T> type, ManagerFactory<? extends T> factory) {
        Objects.requireNonNull(factory, "factory");
        return put(typeid, type, factory);
    }

    /**
     * Registers a typeid on the client side only: the server that this manager
     * {@link #connect() connects} to makes the objects (CPython's {@code register(typeid)}).
     */
    public BaseManager register(String typeid, Class<?> type) {
        return put(typeid, type, null);
    }

    BaseManager registerBuiltIn(String typeid) {
        return put(typeid, ManagedObjects.builtInInterface(typeid), null);
    }

    private BaseManager put(String typeid, Class<?> type, ManagerFactory<?> factory) {
        configurable();
        Objects.requireNonNull(typeid, "typeid");
        Objects.requireNonNull(type, "type");
        if (typeid.isEmpty()) {
            throw new IllegalArgumentException("empty typeid");
        }
        if (!type.isInterface() || !java.lang.reflect.Modifier.isPublic(type.getModifiers())) {
            throw new IllegalArgumentException("a proxy type must be a public interface, not " + type.getName());
        }
        if (registry.containsKey(typeid)) {
            throw new IllegalArgumentException("typeid '" + typeid + "' is already registered");
        }
        registry.put(typeid, new ManagerServer.Registered(typeid, type, factory));
        return this;
    }

    private Context context() {
        return context != null ? context : Multiprocessing.defaultContext();
    }

    /**
     * Starts a server process (with the context's start method) and connects to it; returns when
     * it accepts connections. The process ends with {@link #close()}, or with this process.
     *
     * @throws ManagerException when the server cannot start (address in use ...), with its reason
     */
    public BaseManager start() {
        configurable();
        if (tls != null) {
            throw new IllegalStateException("a TLS manager runs with serveForever() in the process that has the SSLContext");
        }
        Context ctx = context();
        SocketAddress at = requested;
        if (at == null) {
            try {
                // pid-named in the user's private directory: one left by a killed JVM is removed by the next
                defaultSocket = org.multiprocessing4j.internal.process.PrivateDir.fileFor("manager-", ".sock");
            } catch (IOException e) {
                throw new ManagerException("cannot make a private directory for the manager's socket: " + e, e);
            }
            at = UnixDomainSocketAddress.of(defaultSocket);
        }
        for (ManagerServer.Registered r : registry.values()) {
            if (r.factory() != null) {
                ctx.register(Codec.declaringClassOf(r.factory(), getClass().getClassLoader()));
            }
        }
        byte[] spec = ManagerServer.spec(ManagerWire.formatAddress(at), authkey, maxFrameBytes, registry, ctx.codec());
        Pipe ready = ctx.pipe(false);
        Process p = ctx.process(ManagerServer::runChild, spec, ready.conn2());
        p.setName("SyncManager-" + p.name().substring(p.name().indexOf('-') + 1));
        p.setDaemon(true);
        p.start();
        ready.conn2().close();
        String answer;
        try {
            if (!ready.conn1().poll(START_TIMEOUT)) {
                p.kill();
                throw new ManagerException("the manager process did not start within " + START_TIMEOUT.toSeconds() + " s");
            }
            answer = (String) ready.conn1().recv();
        } catch (IOException e) {
            p.kill();
            throw new ManagerException("the manager process ended before it was ready (exit code "
                    + exitCodeOf(p) + "; its stderr has the reason)", e);
        } catch (InterruptedException e) {
            p.kill();
            Thread.currentThread().interrupt();
            throw new ManagerException("interrupted while starting the manager", e);
        } finally {
            ready.conn1().close();
        }
        if (!answer.startsWith("OK ")) {
            joinQuietly(p);
            throw new ManagerException("the manager could not start: " + answer.substring(Math.min(4, answer.length())));
        }
        address = ManagerWire.parseAddress(answer.substring(3));
        serverProcess = p;
        client = ManagerClient.of(address, authkey, null, sharedMemory, ctx.codec(), maxFrameBytes);
        state = State.STARTED;
        return this;
    }

    private static String exitCodeOf(Process p) {
        try {
            p.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return p.exitCode().isPresent() ? String.valueOf(p.exitCode().getAsInt()) : "unknown";
    }

    private static void joinQuietly(Process p) {
        try {
            if (!p.join(Duration.ofSeconds(5))) {
                p.kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs the server in this process until a client asks it to shut down or another thread
     * calls {@link #close()}: CPython's {@code get_server().serve_forever()}.
     *
     * @throws ManagerException when the address cannot be bound
     */
    public void serveForever() {
        bindHere();
        localServer.serveForever();
    }

    /**
     * Binds the server in this process and serves on a daemon thread; returns when it accepts
     * connections. For embedding a manager in a long-lived process; {@link #close()} stops it.
     */
    public BaseManager serveInBackground() {
        bindHere();
        Thread.ofPlatform().daemon().name("mp4j-manager-acceptor").start(localServer::serveForever);
        return this;
    }

    private void bindHere() {
        configurable();
        if (requested == null) {
            throw new IllegalStateException("serving in this process needs an address: new BaseManager(address, authkey)");
        }
        try {
            localServer = ManagerServer.bind(requested, authkey, new LinkedHashMap<>(registry), context().codec(),
                    maxFrameBytes, tls);
        } catch (IOException e) {
            throw new ManagerException(e.getMessage(), e);
        }
        address = localServer.address();
        state = State.SERVING;
    }

    /**
     * Waits until the server this manager runs in this process ({@link #serveInBackground()})
     * has stopped: a client asked it to shut down, or {@link #close()} was called.
     *
     * @return false when {@code timeout} passed first
     * @throws IllegalStateException when this manager serves nothing in this process
     */
    public boolean awaitShutdown(Duration timeout) throws InterruptedException {
        if (localServer == null) {
            throw new IllegalStateException("this manager serves nothing in this process");
        }
        return localServer.awaitStop(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Connects to a running server at this manager's address (CPython's {@code connect()}).
     *
     * @throws ManagerException when nobody listens there
     * @throws AuthenticationException when the server refuses the authkey
     */
    public BaseManager connect() {
        configurable();
        if (requested == null) {
            throw new IllegalStateException("connect() needs an address: new BaseManager(address, authkey)");
        }
        address = requested;
        client = ManagerClient.of(address, authkey, tls, sharedMemory, context().codec(), maxFrameBytes);
        try {
            client.open(); // an absent server or a wrong key fails here, not at the first call
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        state = State.CONNECTED;
        return this;
    }

    private ManagerClient client() {
        if (state == State.SERVING && client == null) {
            client = ManagerClient.of(address, authkey, tls, sharedMemory, context().codec(), maxFrameBytes);
        }
        if (client == null || state == State.CLOSED) {
            throw new IllegalStateException("the manager is " + state.name().toLowerCase()
                    + "; start() or connect() it first");
        }
        return client;
    }

    /**
     * Asks the server for an object of {@code typeid} (its factory runs there with {@code args})
     * and returns a proxy implementing the registered interface.
     *
     * @throws IllegalArgumentException when the typeid is not registered here
     * @throws ManagerException when the server is unreachable
     */
    @SuppressWarnings("unchecked")
    public <T> T create(String typeid, Object... args) {
        ManagerServer.Registered r = registry.get(typeid);
        if (r == null) {
            throw new IllegalArgumentException("unknown typeid '" + typeid + "'; registered here: " + registry.keySet());
        }
        return (T) create(typeid, r.type(), args);
    }

    /** As {@link #create(String, Object...)}, with the proxy's interface given (no registration needed here). */
    public <T> T create(String typeid, Class<T> type, Object... args) {
        ManagerClient c = client();
        Object[] a = args == null ? new Object[0] : args;
        long id = c.create(typeid, a);
        try {
            return type.cast(ProxyHandler.proxy(c, typeid, id, type, true));
        } catch (RuntimeException e) {
            c.releaseLater(id);
            throw e;
        }
    }

    /** The address clients connect to (the bound one, once started or serving). */
    public SocketAddress address() {
        return address != null ? address : requested;
    }

    /** A copy of the authkey. */
    public byte[] authkey() {
        return authkey.clone();
    }

    /** The server process, when {@link #start()} made one. */
    public java.util.Optional<Process> serverProcess() {
        return java.util.Optional.ofNullable(serverProcess);
    }

    /** True while started, connected or serving. */
    public boolean isRunning() {
        return state == State.STARTED || state == State.CONNECTED || state == State.SERVING;
    }

    /**
     * Shuts the server down: a started server process is asked to stop (and killed if it does not
     * within 5 s), a server in this process stops; proxies of its objects stop working. For a
     * connected client, {@link #close()} only disconnects.
     */
    public void shutdown() {
        if (state == State.STARTED || state == State.CONNECTED) {
            try {
                client.shutdownServer();
            } catch (RuntimeException e) {
                // already gone
            }
        }
        close();
    }

    /**
     * Ends this manager: stops a started server (as {@link #shutdown()}) or one serving in this
     * process, or disconnects a connected client (the server goes on). Idempotent.
     */
    @Override
    public void close() {
        State was = state;
        state = State.CLOSED;
        if (was == State.STARTED) {
            try {
                client.shutdownServer();
            } catch (RuntimeException e) {
                // already gone
            }
            client.close();
            joinQuietly(serverProcess);
        } else if (was == State.CONNECTED) {
            client.close();
        } else if (was == State.SERVING) {
            if (client != null) {
                client.close();
            }
            localServer.close();
            try {
                localServer.awaitStop(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (defaultSocket != null) {
            defaultSocket.toFile().delete();
            defaultSocket = null;
        }
    }

    /** For tests: the in-process server. */
    ManagerServer localServer() {
        return localServer;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + state.name().toLowerCase() + (address() != null
                ? " at " + ManagerWire.formatAddress(address()) : "") + "]";
    }
}
