package org.multiprocessing4j;

import java.io.Serializable;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.multiprocessing4j.internal.codec.SerialForm;

/**
 * What a manager proxy does with a call: forward it to the server, or answer it here.
 *
 * <h2>Answered here</h2>
 * <ul>
 * <li>{@code equals}/{@code hashCode}: proxies of the same object of the same manager are equal;
 *     {@code toString} is the object's own, made on the server.</li>
 * <li>{@link ManagerProxy}'s methods, and the default methods of this library's proxy interfaces
 *     ({@link LockProxy#hold()}, {@link ConditionProxy#waitFor} ...).</li>
 * <li>Iteration ({@code iterator}, {@code forEach}, {@code stream}, {@code spliterator},
 *     {@code listIterator}, {@code toArray(IntFunction)}): over a snapshot copied from the server
 *     in one call; the iterator does not remove.</li>
 * <li>{@code BlockingQueue.drainTo}: repeated {@code poll} calls, so that no item is drained into a
 *     copy of the collection on the server and lost.</li>
 * </ul>
 * Every other method goes to the server, including the default methods of JDK interfaces
 * ({@code Map.merge}, {@code Map.compute} ...), which thus run atomically on the server's object;
 * their function arguments must be serializable.
 *
 * <p>A proxy serialises (in {@link org.multiprocessing4j.internal.codec.BootstrapFormat}, the
 * format of process and pool arguments) as a {@link ManagerRef}, with a pin that keeps the object
 * alive until the receiver claims it.
 */
final class ProxyHandler implements InvocationHandler, SerialForm {
    final ManagerClient client;
    final String typeid;
    final long objectId;
    final Class<?> type;
    private final ManagerClient.TypeInfo info;

    private ProxyHandler(ManagerClient client, String typeid, long objectId, Class<?> type, ManagerClient.TypeInfo info) {
        this.client = client;
        this.typeid = typeid;
        this.objectId = objectId;
        this.type = type;
        this.info = info;
    }

    /**
     * A proxy of object {@code id}; when {@code owned}, it holds one server reference, released
     * when the proxy is collected.
     */
    static Object proxy(ManagerClient client, String typeid, long id, Class<?> type, boolean owned) {
        if (!type.isInterface()) {
            throw new IllegalArgumentException("a proxy type must be an interface, not " + type.getName());
        }
        ManagerClient.TypeInfo info = client.describe(typeid);
        ProxyHandler h = new ProxyHandler(client, typeid, id, type, info);
        ClassLoader loader = type.getClassLoader() != null ? type.getClassLoader() : ProxyHandler.class.getClassLoader();
        Object p = java.lang.reflect.Proxy.newProxyInstance(loader, new Class<?>[] {type, ManagerProxy.class}, h);
        if (owned) {
            ManagerClient.CLEANER.register(p, new Release(client, id));
        }
        return p;
    }

    /** Sends the release of a collected proxy's reference (must not refer to the proxy). */
    private record Release(ManagerClient client, long id) implements Runnable {
        @Override
        public void run() {
            client.releaseLater(id);
        }
    }

    @Override
    public Object serialForm() {
        long token = client.pin(objectId);
        return new ManagerRef(client.addressText, client.authkey, client.tls != null, client.sharedMemory, client.maxFrame,
                typeid, objectId, type.getName(), token);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Class<?> declaring = method.getDeclaringClass();
        String name = method.getName();
        int n = method.getParameterCount();
        if (n == 1 && name.equals("equals") && method.getParameterTypes()[0] == Object.class) {
            return args[0] instanceof ManagerProxy other && java.lang.reflect.Proxy.isProxyClass(other.getClass())
                    && java.lang.reflect.Proxy.getInvocationHandler(other) instanceof ProxyHandler h
                    && h.objectId == objectId && h.client.addressText.equals(client.addressText);
        }
        if (n == 0 && name.equals("hashCode")) {
            return Long.hashCode(objectId) * 31 + client.addressText.hashCode();
        }
        if (n == 0 && name.equals("toString")) {
            return remote(ManagerWire.TO_STRING, null, method);
        }
        if (declaring == ManagerProxy.class) {
            return switch (name) {
                case "typeid" -> typeid;
                case "objectId" -> objectId;
                case "managerAddress" -> client.address;
                case "copyValue" -> remote(ManagerWire.SNAPSHOT, null, method);
                default -> throw new UnsupportedOperationException(name);
            };
        }
        if (method.isDefault() && declaring.getPackageName().equals("org.multiprocessing4j")) {
            return InvocationHandler.invokeDefault(proxy, method, args);
        }
        Object local = local(name, method, args);
        if (local != NOT_LOCAL) {
            return local;
        }
        int index = info.index(method);
        if (index < 0) {
            throw new UnsupportedOperationException("method " + ManagerServer.signature(method) + " is not exposed by typeid '"
                    + typeid + "' (" + info.interfaceName + ") of the manager at " + client.addressText);
        }
        if (args != null) {
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                if (a != null && (a.getClass().isHidden() || a.getClass().isSynthetic()) && !(a instanceof Serializable)) {
                    throw new IllegalArgumentException("argument " + (i + 1) + " of " + ManagerServer.signature(method)
                            + " is a lambda that is not serializable; it runs on the manager's server, so declare it"
                            + " serializable (for example with a cast to (" + method.getParameterTypes()[i].getSimpleName()
                            + " & java.io.Serializable))");
                }
            }
        }
        return remote(index, args, method);
    }

    private static final Object NOT_LOCAL = new Object();

    /** {@code Queue.poll()}, the call {@code drainTo} repeats. */
    private static final Method POLL;

    static {
        try {
            POLL = java.util.Queue.class.getMethod("poll");
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The methods answered here over a snapshot (see the class documentation), else NOT_LOCAL. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object local(String name, Method method, Object[] args) throws Throwable {
        int n = method.getParameterCount();
        switch (name) {
            case "iterator", "spliterator", "stream", "parallelStream" -> {
                if (n == 0 && Collection.class.isAssignableFrom(type)) {
                    Collection<?> snap = Collections.unmodifiableCollection((Collection<?>) snapshot(method));
                    return switch (name) {
                        case "iterator" -> snap.iterator();
                        case "spliterator" -> snap.spliterator();
                        case "stream" -> snap.stream();
                        default -> snap.parallelStream();
                    };
                }
            }
            case "listIterator" -> {
                if (List.class.isAssignableFrom(type)) {
                    List<?> snap = Collections.unmodifiableList((List<?>) snapshot(method));
                    return n == 0 ? snap.listIterator() : snap.listIterator((Integer) args[0]);
                }
            }
            case "forEach" -> {
                if (n == 1 && args[0] instanceof BiConsumer c && Map.class.isAssignableFrom(type)) {
                    ((Map) snapshot(method)).forEach(c);
                    return null;
                }
                if (n == 1 && args[0] instanceof Consumer c && Collection.class.isAssignableFrom(type)) {
                    ((Collection) snapshot(method)).forEach(c);
                    return null;
                }
            }
            case "toArray" -> {
                if (n == 1 && method.getParameterTypes()[0] == IntFunction.class) {
                    return ((Collection) snapshot(method)).toArray((IntFunction) args[0]);
                }
            }
            case "drainTo" -> {
                if (java.util.concurrent.BlockingQueue.class.isAssignableFrom(type)) {
                    Collection c = (Collection) args[0];
                    int max = n == 2 ? (Integer) args[1] : Integer.MAX_VALUE;
                    if (c == null) {
                        throw new NullPointerException("drainTo(null)");
                    }
                    int moved = 0;
                    while (moved < max) {
                        Object item = remote(info.index(POLL), null, POLL);
                        if (item == null) {
                            break;
                        }
                        c.add(item);
                        moved++;
                    }
                    return moved;
                }
            }
            default -> {
                return NOT_LOCAL;
            }
        }
        return NOT_LOCAL;
    }

    private Object snapshot(Method method) throws Throwable {
        return remote(ManagerWire.SNAPSHOT, null, method);
    }

    private Object remote(int index, Object[] args, Method method) throws Throwable {
        try {
            return client.call(objectId, index, args, method);
        } catch (ManagerClient.RemoteFailure f) {
            Throwable t = f.getCause();
            t.addSuppressed(new ManagerException("raised by " + ManagerServer.signature(method) + " of typeid '" + typeid
                    + "' #" + objectId + " on the manager at " + client.addressText + ", called here"));
            if (t instanceof RuntimeException || t instanceof Error || declares(method, t)) {
                throw t;
            }
            throw new ManagerException(ManagerServer.signature(method) + " on the manager at " + client.addressText
                    + " raised " + t, t);
        } catch (InterruptedException e) {
            if (declares(method, e)) {
                throw e;
            }
            Thread.currentThread().interrupt();
            throw new ManagerException("interrupted while waiting for " + ManagerServer.signature(method)
                    + " on the manager at " + client.addressText, e);
        }
    }

    private static boolean declares(Method method, Throwable t) {
        for (Class<?> c : method.getExceptionTypes()) {
            if (c.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
