package org.multiprocessing4j.internal.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.lang.invoke.SerializedLambda;
import java.util.Set;
import org.multiprocessing4j.SerializationException;
import org.multiprocessing4j.internal.ipc.Transfers;

/**
 * The format of a process object on its way to a child: JDK serialization behind the codec's
 * allow-list, checked on both sides.
 *
 * <p>The common case, a plain process with a lambda target, takes the cheaper {@link CallFormat}
 * instead; this format carries process subclasses and anything else.
 *
 * <h2>Why not Fory here</h2>
 * Measured on this project's 2-core machines: a cold child JVM spent 180-400 ms in Fory (building
 * the instance, then the serializers of the process class and of the lambda) before it could run
 * anything, against a JVM start of about 30 ms. JDK serialization decodes the same payload cold
 * in under 20 ms and handles serializable lambdas natively. The payload is written once per
 * process, so Fory's speed on hot paths buys nothing here; queues and pipes use {@link Codec}.
 *
 * <h2>The allow-list, both ways</h2>
 * Writing: every object of the graph is checked (ObjectOutputStream's {@code replaceObject} hook)
 * before it is written, so a class outside the allow-list fails in the caller with a
 * {@link SerializationException} naming it. Reading: an {@link ObjectInputFilter} refuses any
 * class outside the allow-list before an object of it is built. Allowed: primitives, arrays of
 * allowed types, the JDK's value and collection classes ({@code java.lang}, {@code java.util},
 * {@code java.util.concurrent}, {@code java.time}, {@code java.math}), serializable lambdas whose
 * declaring class is allowed, the serial form of this library's shared-memory handles, and the
 * codec's registered classes.
 */
final class BootstrapFormat {
    private static final Set<String> JDK_PACKAGES = Set.of(
            "java.lang", "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "java.time",
            "java.time.chrono", "java.time.format", "java.time.temporal", "java.time.zone", "java.math");

    /**
     * Classes of this library that may always cross: the serial form of shared-memory handles
     * (a kind, a segment name, nested refs); deserialising one only attaches a segment of this
     * library, checked by magic, version and kind.
     */
    private static final Set<String> LIBRARY_CLASSES = Set.of("org.multiprocessing4j.SharedRef",
            // the parts of a SharedRef that HandleParts covers, written in its place
            "org.multiprocessing4j.internal.codec.HandlePartsRef",
            // what a SharedRef resolves to (the filter also sees readResolve's result); each of these
            // refuses to be deserialised other than through its SharedRef (serialisation proxy)
            "org.multiprocessing4j.Lock", "org.multiprocessing4j.RLock", "org.multiprocessing4j.Semaphore",
            "org.multiprocessing4j.BoundedSemaphore", "org.multiprocessing4j.Event", "org.multiprocessing4j.Condition",
            "org.multiprocessing4j.Barrier", "org.multiprocessing4j.Value", "org.multiprocessing4j.Array",
            "org.multiprocessing4j.SharedMemory", "org.multiprocessing4j.Connection", "org.multiprocessing4j.Queue",
            "org.multiprocessing4j.JoinableQueue", "org.multiprocessing4j.SimpleQueue",
            // typed views: their one field is a Value or Array handle, checked by their readObject
            "org.multiprocessing4j.SharedInt", "org.multiprocessing4j.SharedLong", "org.multiprocessing4j.SharedDouble",
            "org.multiprocessing4j.SharedIntArray", "org.multiprocessing4j.SharedLongArray",
            "org.multiprocessing4j.SharedDoubleArray",
            // a manager proxy's reference (address, typeid, id); its readResolve connects to the
            // manager and builds a proxy, whose class isAllowed accepts
            "org.multiprocessing4j.ManagerRef");

    private BootstrapFormat() {}

    static boolean jdkAllowed(Class<?> c) {
        if (c.getClassLoader() != null) {
            return LIBRARY_CLASSES.contains(c.getName()) && c.getClassLoader() == BootstrapFormat.class.getClassLoader();
        }
        if (c == SerializedLambda.class) {
            return true;
        }
        return JDK_PACKAGES.contains(c.getPackageName());
    }

    static byte[] encode(Object value, Codec codec) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
        try (CheckingOutput out = new CheckingOutput(buf, codec)) {
            out.writeObject(value);
        } catch (NotSerializableException e) {
            throw new SerializationException("cannot serialise " + value.getClass().getName() + ": class "
                    + e.getMessage() + " is not serialisable (it must implement java.io.Serializable)", e.getMessage(), e);
        } catch (InvalidClassException e) {
            throw new SerializationException("cannot serialise " + value.getClass().getName() + ": " + e.getMessage(),
                    e.classname, e);
        } catch (IOException e) {
            throw new SerializationException("cannot serialise " + value.getClass().getName() + ": " + e, null, e);
        }
        return buf.toByteArray();
    }

    static Object decode(byte[] bytes, Codec codec) {
        return decode(bytes, 0, codec);
    }

    static Object decode(byte[] bytes, int offset, Codec codec) {
        String[] refused = new String[1];
        try (ObjectInputStream in = new LoaderInput(new ByteArrayInputStream(bytes, offset, bytes.length - offset), codec.loader())) {
            in.setObjectInputFilter(info -> {
                Class<?> c = info.serialClass();
                if (c == null) {
                    return ObjectInputFilter.Status.UNDECIDED;
                }
                if (codec.isAllowed(c)) {
                    return ObjectInputFilter.Status.ALLOWED;
                }
                refused[0] = c.getName();
                return ObjectInputFilter.Status.REJECTED;
            });
            return in.readObject();
        } catch (InvalidClassException e) {
            String name = refused[0] != null ? refused[0] : e.classname;
            throw new SerializationException("cannot deserialise class " + name
                    + ": not on this process's allow-list (" + e.getMessage() + ")", name, e);
        } catch (IOException | ClassNotFoundException e) {
            throw new SerializationException("cannot deserialise a process payload of " + bytes.length + " bytes: " + e, null, e);
        }
    }

    /** Checks every object against the allow-list before it is written. */
    private static final class CheckingOutput extends ObjectOutputStream {
        private final Codec codec;

        CheckingOutput(ByteArrayOutputStream out, Codec codec) throws IOException {
            super(out);
            this.codec = codec;
            enableReplaceObject(true);
        }

        @Override
        protected Object replaceObject(Object obj) {
            if (obj instanceof java.io.ObjectStreamException failure) {
                // what ended the write: a writeReplace or writeObject refused (a closed pipe end);
                // ObjectOutputStream writes it into the stream (writeFatalException), and without
                // this the caller was told that NotSerializableException is not on the allow-list
                throw new SerializationException("cannot serialise: " + failure, null, failure);
            }
            Class<?> c = obj.getClass();
            if (java.lang.reflect.Proxy.isProxyClass(c)
                    && java.lang.reflect.Proxy.getInvocationHandler(obj) instanceof SerialForm form) {
                obj = form.serialForm(); // a manager proxy travels as its reference
                c = obj.getClass();
            }
            if (obj instanceof Transfers.SegmentHandle h) {
                byte[] parts = HandleParts.get().writeForm(obj);
                if (parts != null) {
                    return new HandlePartsRef(parts); // which held the segments it names
                }
                Transfers.noteSegment(h.segmentName());
            }
            if (obj instanceof SerializedLambda sl) {
                String declaring = sl.getCapturingClass().replace('/', '.');
                try {
                    Class<?> d = Class.forName(declaring, false, codec.loader());
                    if (!codec.isAllowed(d)) {
                        throw notAllowed(declaring);
                    }
                } catch (ClassNotFoundException e) {
                    throw new SerializationException("cannot serialise a lambda declared in " + declaring
                            + ": class not found", declaring, e);
                }
            } else if (!(obj instanceof java.io.Serializable)) {
                // checked here, before the JDK would: its NotSerializableException makes
                // ObjectOutputStream write the exception itself into the stream
                throw new SerializationException("cannot serialise class " + c.getName()
                        + ": it does not implement java.io.Serializable", c.getName(), null);
            } else if (!codec.isAllowed(c)) {
                throw notAllowed(c.getName());
            }
            return obj;
        }

        private static SerializationException notAllowed(String name) {
            return new SerializationException("cannot serialise class " + name + ": not on the allow-list; register it "
                    + "with Context.register or Multiprocessing.register", name, null);
        }
    }

    /** Resolves classes through the codec's loader. */
    private static final class LoaderInput extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderInput(ByteArrayInputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }
}
