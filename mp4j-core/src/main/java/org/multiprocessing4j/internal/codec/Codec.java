package org.multiprocessing4j.internal.codec;

import java.io.Serializable;
import java.lang.invoke.SerializedLambda;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.fory.Fory;
import org.apache.fory.config.Language;
import org.apache.fory.memory.MemoryBuffer;
import org.multiprocessing4j.SerializationException;

/**
 * The one codec through which objects and functions cross process boundaries: Apache Fory with
 * class registration required.
 *
 * <h2>The allow-list</h2>
 * Registration is the security boundary: bytes that name a class outside the allow-list are
 * refused before any object of that class is built. The allow-list is Fory's own set of JDK types
 * (strings, boxed primitives, arrays, the common collections, {@code java.time} ...) plus the
 * classes registered here, in order. Fory numbers registered classes by their order, so a child
 * rebuilds the same codec from {@link #registeredNames()} sent by its parent: the parent's
 * allow-list is the child's.
 *
 * <h2>Same list, or refused</h2>
 * Fory writes registered classes by number, and a reader whose list differs would decode a wrong
 * type in silence (seen: a record read back as another record with zero fields). Every message
 * therefore starts with an 8-byte fingerprint of the writer's allow-list, and a reader with
 * another list refuses it. Classes unknown to the reader are refused, never decoded into
 * placeholders ({@code withDeserializeUnknownClass(false)}).
 *
 * <h2>Generations</h2>
 * Fory freezes its registrations at first use. A registration after that starts a new
 * <em>generation</em>: the next call builds a fresh Fory instance with the longer list. Children
 * are told the generation with every payload and rebuild when theirs is older.
 *
 * <p>Process objects on their way to a child use {@link #encodeProcess} instead, a format that is
 * cheap in a cold JVM, behind the same allow-list (see {@link BootstrapFormat}).
 *
 * <h2>Cost</h2>
 * Building a Fory instance costs about 200 ms in a cold JVM (class loading, measured on this
 * project's 2-core machines) and a few ms in a warm one; the AOT cache of child JVMs removes most
 * of the cold part. Code generation is off: short-lived children would pay 0.2-0.5 s of JIT
 * compilation for serializers they use once.
 *
 * <p>Thread-safety: all methods may be called from any thread. Encoding and decoding share one
 * Fory instance under a lock (the process layer is not a hot path; queues bring their own).
 */
public final class Codec {
    private static final ThreadLocal<Codec> DECODING = new ThreadLocal<>();
    /** The rehearsal running on this thread (see {@link #rehearse}), or null. */
    private static final ThreadLocal<RehearsalState> REHEARSING = new ThreadLocal<>();
    private static final Pattern NOT_REGISTERED =
            Pattern.compile("(?:[Cc]lass|[Tt]ype) ([\\w$.\\[\\]]+) is not registered");

    private final ClassLoader loader;
    private final Object lock = new Object();
    /**
     * The allow-list in registration order, by name: a child rebuilds it without loading a class
     * (loading them all cost a cold child 10-16 ms, measured). Guarded by {@link #lock}.
     */
    private final List<String> registered = new ArrayList<>();
    /** Same names, for membership tests. Guarded by {@link #lock}. */
    private final Set<String> registeredSet = new HashSet<>();
    /** The top-level classes of the registered ones: lambdas they declare are allowed. Guarded by {@link #lock}. */
    private final Set<String> registeredNests = new HashSet<>();
    /** Incremented by every registration that adds a class. Guarded by {@link #lock}. */
    private int generation;
    /** Built lazily for {@link #builtGeneration}; null when stale. Guarded by {@link #lock}. */
    private Fory fory;

    private int builtGeneration = -1;
    /** The fingerprint of the allow-list {@link #fory} was built with. Guarded by {@link #lock}. */
    private long fingerprint;

    /** A codec with an empty allow-list that loads classes through {@code loader}. */
    public Codec(ClassLoader loader) {
        this.loader = loader;
    }

    /**
     * A codec whose allow-list is the given class names in order, as sent by a parent process.
     *
     * @throws SerializationException when a class cannot be loaded here
     */
    public static Codec fromRegistry(List<String> names, int generation, ClassLoader loader) {
        Codec codec = new Codec(loader);
        synchronized (codec.lock) {
            for (String name : names) {
                codec.addLocked(name);
            }
            codec.generation = generation;
        }
        return codec;
    }

    /**
     * Adds classes to the allow-list. Registering a class twice is harmless.
     *
     * @return true when at least one class was new
     */
    public boolean register(Class<?>... classes) {
        boolean added = false;
        synchronized (lock) {
            for (Class<?> c : classes) {
                if (c == null) {
                    throw new NullPointerException("class to register is null");
                }
                if (c.isPrimitive() || c.isHidden()) {
                    throw new IllegalArgumentException("cannot register " + c.getName()
                            + (c.isHidden() ? ": a hidden class (lambda); register the class that declares the lambda" : ": a primitive"));
                }
                added |= addLocked(c.getName());
            }
            if (added) {
                generation++;
            }
        }
        return added;
    }

    private boolean addLocked(String name) {
        if (!registeredSet.add(name)) {
            return false;
        }
        registered.add(name);
        registeredNests.add(topLevelName(name));
        return true;
    }

    /** {@code a.B} for {@code a.B$C$D}: the nest host of a nested class, by its binary name. */
    private static String topLevelName(String name) {
        int dollar = name.indexOf('$', name.lastIndexOf('.') + 1);
        return dollar < 0 ? name : name.substring(0, dollar);
    }

    /** True when the class is on this codec's own part of the allow-list. */
    public boolean isRegistered(Class<?> c) {
        synchronized (lock) {
            return registeredSet.contains(c.getName());
        }
    }

    /** True when objects of the class may cross: registered, a JDK value/collection class, or an array of such. */
    public boolean isAllowed(Class<?> c) {
        while (c.isArray()) {
            c = c.getComponentType();
        }
        if (c.isPrimitive() || BootstrapFormat.jdkAllowed(c)) {
            return true;
        }
        if (java.lang.reflect.Proxy.isProxyClass(c)) {
            // only what a ManagerRef resolves to: a proxy built here, for a manager's object
            for (Class<?> i : c.getInterfaces()) {
                if (i.getName().equals("org.multiprocessing4j.ManagerProxy")
                        && i.getClassLoader() == Codec.class.getClassLoader()) {
                    return true;
                }
            }
            return false;
        }
        synchronized (lock) {
            if (c.isHidden()) {
                // a lambda's class, nested in the class that declares it: allowed when that class,
                // or a class nested in the same top-level class, is
                return registeredNests.contains(c.getNestHost().getName());
            }
            return registeredSet.contains(c.getName());
        }
    }

    /**
     * True when lambdas declared in {@code c} may cross: the rule {@link #isAllowed} applies to a
     * lambda's own (hidden) class on the writing side, so a reader accepts what a writer with the
     * same allow-list sends: {@code c} allowed, or nested in the same top-level class as a
     * registered class (seen: a method reference written in a nested class of a registered class
     * was sent, then refused by the reader).
     */
    public boolean allowsLambdasDeclaredIn(Class<?> c) {
        if (isAllowed(c)) {
            return true;
        }
        synchronized (lock) {
            return registeredNests.contains(topLevelName(c.getName()));
        }
    }

    ClassLoader loader() {
        return loader;
    }

    /**
     * Serialises a process object for a child (see {@link BootstrapFormat}): cheap to decode in a
     * cold JVM, same allow-list.
     *
     * @throws SerializationException naming the first class of the graph that is not allowed or
     *     not serialisable
     */
    public byte[] encodeProcess(Object process) {
        return BootstrapFormat.encode(process, this);
    }

    /** Deserialises what {@link #encodeProcess} made, refusing classes outside the allow-list. */
    public Object decodeProcess(byte[] payload) {
        return decodeProcess(payload, 0);
    }

    /** As {@link #decodeProcess(byte[])}, for bytes starting at {@code offset}. */
    public Object decodeProcess(byte[] payload, int offset) {
        Codec outer = DECODING.get();
        DECODING.set(this);
        try {
            return BootstrapFormat.decode(payload, offset, this);
        } finally {
            DECODING.set(outer);
        }
    }

    /** A target and the values it is called with. */
    public record Call(Serializable target, Object[] args) {}

    /**
     * Encodes a serializable lambda and its arguments in {@link CallFormat}, cheap to read in a
     * cold JVM; null when {@code target} is not a serializable lambda.
     *
     * @throws SerializationException naming the class of a captured value or argument that is
     *     not allowed or not serialisable
     */
    public byte[] encodeCall(Serializable target, Object[] args) {
        SerializedLambda parts = CallFormat.parts(target);
        return parts == null ? null : CallFormat.encode(parts, args, this);
    }

    /**
     * Decodes what {@link #encodeCall} made, starting at {@code offset}: the lambda is rebuilt by
     * its declaring class, which must be on the allow-list.
     */
    public Call decodeCall(byte[] bytes, int offset) {
        Codec outer = DECODING.get();
        DECODING.set(this);
        try {
            return CallFormat.decode(bytes, offset, this);
        } finally {
            DECODING.set(outer);
        }
    }

    /**
     * Writes one value in the call format's value encoding: null, strings, boxed primitives and
     * {@code byte[]} inline, shared-memory handles as their parts ({@link HandleParts}); anything
     * else as {@link BootstrapFormat} bytes behind the allow-list.
     * The encoding names classes, not registration numbers, so a reader whose allow-list is a
     * superset of the writer's reads it (pool workers rely on that).
     *
     * @throws SerializationException naming the class when the value is not allowed or not
     *     serialisable; nothing is written then
     */
    public void writeValue(java.io.DataOutputStream out, Object value) throws java.io.IOException {
        CallFormat.writeValue(out, value, this);
    }

    /**
     * Reads one value written by {@link #writeValue}.
     *
     * @throws SerializationException when the bytes name a class outside the allow-list
     * @throws java.io.IOException when the bytes are malformed
     */
    public Object readValue(java.io.DataInputStream in) throws java.io.IOException {
        Codec outer = DECODING.get();
        DECODING.set(this);
        try {
            return CallFormat.readValue(in, this);
        } finally {
            DECODING.set(outer);
        }
    }

    /**
     * Encodes a function object (a serializable lambda or method reference in the call format,
     * any other serializable object in {@link BootstrapFormat}), for {@link #decodeFunction}.
     *
     * @throws SerializationException naming the class of a captured value that is not allowed
     */
    public byte[] encodeFunction(Serializable function) {
        byte[] call = encodeCall(function, new Object[0]);
        byte[] body = call != null ? call : encodeProcess(function);
        byte[] out = new byte[body.length + 1];
        out[0] = (byte) (call != null ? 1 : 2);
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    /** Decodes what {@link #encodeFunction} made; the function's class must be allowed here. */
    public Serializable decodeFunction(byte[] bytes) {
        if (bytes.length == 0) {
            throw new SerializationException("empty function payload", null, null);
        }
        Object f = switch (bytes[0]) {
            case 1 -> decodeCall(bytes, 1).target();
            case 2 -> decodeProcess(bytes, 1);
            default -> throw new SerializationException("unknown function payload kind " + bytes[0], null, null);
        };
        if (!(f instanceof Serializable s)) {
            throw new SerializationException("function payload holds a " + (f == null ? "null" : f.getClass().getName()),
                    f == null ? null : f.getClass().getName(), null);
        }
        return s;
    }

    /**
     * The codec decoding on this thread now, or null: handles that carry messages (queues, pipe
     * ends) deserialised as part of a payload take the codec of the payload they arrived in.
     */
    public static Codec decoding() {
        return DECODING.get();
    }

    /**
     * Runs a decode ahead of need (a warm JVM's rehearsal, AOT training): handles met on the way
     * do not attach their shared memory, count as users of a pipe end or connect to a manager.
     *
     * @return the decoded value, and whether it is a plain copy: true when no handle was met, so
     *     that the value is what a real decode of the same bytes would give (it may then stand in
     *     for one)
     */
    public static <T> Rehearsal<T> rehearse(java.util.function.Supplier<T> decode) {
        RehearsalState outer = REHEARSING.get();
        RehearsalState state = new RehearsalState();
        REHEARSING.set(state);
        try {
            T value = decode.get();
            return new Rehearsal<>(value, !state.metHandle);
        } finally {
            REHEARSING.set(outer);
            if (outer != null && state.metHandle) {
                outer.metHandle = true;
            }
        }
    }

    /** What {@link #rehearse} gave. */
    public record Rehearsal<T>(T value, boolean plain) {}

    /**
     * Called by every handle (shared object, pipe end, queue, manager or cluster proxy) as it is
     * decoded. True inside {@link #rehearse}: the handle must then not attach, claim or connect
     * anything; the rehearsal's value is marked as not plain.
     */
    public static boolean resolvingHandle() {
        RehearsalState state = REHEARSING.get();
        if (state == null) {
            return false;
        }
        state.metHandle = true;
        return true;
    }

    /** The state of the rehearsal running on this thread. */
    private static final class RehearsalState {
        boolean metHandle;
    }

    /** The registered class names in registration order (for a child to rebuild this codec). */
    public List<String> registeredNames() {
        synchronized (lock) {
            return Collections.unmodifiableList(new ArrayList<>(registered));
        }
    }

    /** The current generation (see the class documentation). */
    public int generation() {
        synchronized (lock) {
            return generation;
        }
    }

    /**
     * Serialises an object graph.
     *
     * @throws SerializationException naming the offending class when any object of the graph is
     *     not on the allow-list or cannot be serialised
     */
    public byte[] encode(Object value) {
        synchronized (lock) {
            Fory f = foryLocked();
            try {
                MemoryBuffer buf = MemoryBuffer.newHeapBuffer(64);
                buf.writeInt64(fingerprint);
                f.serialize(buf, value);
                return buf.getBytes(0, buf.writerIndex());
            } catch (RuntimeException | StackOverflowError e) {
                String offending = offendingClass(e, value);
                throw new SerializationException("cannot serialise "
                        + (value == null ? "null" : value.getClass().getName())
                        + (offending != null ? ": class " + offending + " is not allowed or not serialisable"
                                + " (register it with Context.register or Multiprocessing.register)" : "")
                        + " [" + rootMessage(e) + "]", offending, e);
            }
        }
    }

    /**
     * Deserialises bytes made by {@link #encode} in a process with the same allow-list.
     *
     * @throws SerializationException when the bytes name a class outside the allow-list or are
     *     malformed; no object of a refused class is built
     */
    public Object decode(byte[] bytes) {
        synchronized (lock) {
            Fory f = foryLocked();
            if (bytes.length < 8) {
                throw new SerializationException("cannot deserialise " + bytes.length + " bytes: too short to be a message", null, null);
            }
            MemoryBuffer buf = MemoryBuffer.fromByteArray(bytes);
            long writer = buf.readInt64();
            if (writer != fingerprint) {
                throw new SerializationException(String.format("cannot deserialise: the message was written with another allow-list"
                        + " (fingerprint %016x, here %016x); every process must register the same classes in the same order",
                        writer, fingerprint), null, null);
            }
            Codec outer = DECODING.get();
            DECODING.set(this);
            try {
                return f.deserialize(buf);
            } catch (RuntimeException | StackOverflowError e) {
                String offending = offendingClass(e, null);
                throw new SerializationException("cannot deserialise "
                        + (offending != null ? "class " + offending : "payload of " + bytes.length + " bytes")
                        + " [" + rootMessage(e) + "]", offending, e);
            } finally {
                DECODING.set(outer);
            }
        }
    }

    /** Builds the Fory instance now (so that a later first call does not pay for it). */
    public void prepare() {
        synchronized (lock) {
            foryLocked();
        }
    }

    private Fory foryLocked() {
        if (fory == null || builtGeneration != generation) {
            Fory f = Fory.builder()
                    .withLanguage(Language.JAVA)
                    .requireClassRegistration(true)
                    .withRefTracking(true)
                    .withCodegen(false)
                    .withClassLoader(loader)
                    .suppressClassRegistrationWarnings(true)
                    .withDeserializeUnknownClass(false)
                    .build();
            for (String name : registered) {
                try {
                    f.register(Class.forName(name, false, loader));
                } catch (ClassNotFoundException | LinkageError e) {
                    throw new SerializationException(
                            "class on the allow-list is not on this process's class path: " + name, name, e);
                }
            }
            fory = f;
            builtGeneration = generation;
            fingerprint = fingerprint(registered);
        }
        return fory;
    }

    /** FNV-1a over the registered names: equal lists give equal fingerprints. */
    private static long fingerprint(List<String> names) {
        long h = 0xcbf29ce484222325L;
        for (String n : names) {
            for (int i = 0; i < n.length(); i++) {
                h = (h ^ n.charAt(i)) * 0x100000001b3L;
            }
            h = (h ^ 0xffff) * 0x100000001b3L;
        }
        return h;
    }

    /**
     * The classes a function object brings with it and that the caller implicitly trusts: for a
     * serializable lambda or method reference, the class that declares it (its
     * {@code $deserializeLambda$} rebuilds the lambda); for any other object, its own class.
     */
    public static Class<?> declaringClassOf(Serializable function, ClassLoader loader) {
        Class<?> c = function.getClass();
        if (!c.isSynthetic() && !c.isHidden()) {
            return c;
        }
        Class<?> known = CAPTURING.get(c);
        if (known != null) {
            return known;
        }
        SerializedLambda sl = CallFormat.parts(function);
        if (sl == null) {
            throw new SerializationException("cannot serialise " + c.getName()
                    + ": a synthetic class that is not a serializable lambda", c.getName(), null);
        }
        try {
            Class<?> found = Class.forName(sl.getCapturingClass().replace('/', '.'), false, loader);
            CAPTURING.put(c, found);
            return found;
        } catch (ClassNotFoundException e) {
            throw new SerializationException("cannot serialise lambda " + c.getName() + ": its declaring class "
                    + sl.getCapturingClass() + " is not found", sl.getCapturingClass(), e);
        }
    }

    /** Lambda class -> the class that declares the lambda; weak keys, as lambda classes can be unloaded. */
    private static final java.util.Map<Class<?>, Class<?>> CAPTURING =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private static String offendingClass(Throwable e, Object value) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null) {
                Matcher matcher = NOT_REGISTERED.matcher(m);
                if (matcher.find()) {
                    return matcher.group(1);
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return value == null ? null : value.getClass().getName();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
