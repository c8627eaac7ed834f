package org.multiprocessing4j.internal.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import org.multiprocessing4j.SerializationException;

/**
 * The common process payload in a form a cold JVM reads cheaply: a serializable lambda target,
 * as the parts of its {@link SerializedLambda}, and the argument values.
 *
 * <h2>Why</h2>
 * Measured on this project's machines (cold JVM, AOT cache): reading a process object with a
 * lambda target through {@code ObjectInputStream} costs a spawned child 25-34 ms, about a third of
 * its start (per-class reflection, serialization constructors, the lambda); rebuilding the same
 * lambda from its parts costs about 5 ms. {@link BootstrapFormat} remains for everything else.
 *
 * <h2>Security and semantics kept</h2>
 * The lambda is rebuilt by its declaring class's own {@code $deserializeLambda$}, exactly as
 * {@code SerializedLambda.readResolve} would: that method accepts only lambdas the class itself
 * declares, and the class must be on the allow-list. The result is a genuine lambda object.
 *
 * <pre>
 *   call   := lambda | count:int32 | value*                 (the call arguments)
 *   lambda := capturingClass functionalInterfaceClass functionalInterfaceMethodName
 *             functionalInterfaceMethodSignature (UTF each) | implMethodKind:int32 |
 *             implClass implMethodName implMethodSignature instantiatedMethodType (UTF each) |
 *             count:int32 | value*                          (the captured values)
 *   value  := tag:int8 | body
 *             0 null | 1 String (int32 length, UTF-8) | 2 Integer | 3 Long | 4 Double | 5 Boolean |
 *             6 byte[] (int32 length, bytes) | 7 Float | 8 Short | 9 Byte | 10 Character |
 *             11 a shared-memory handle: int32 length, its parts ({@link HandleParts}) |
 *             99 anything else: int32 length, {@link BootstrapFormat} bytes (allow-list checked)
 * </pre>
 */
final class CallFormat {
    /** A lambda class's {@code writeReplace} (null when it has none). */
    private static final ClassValue<Method> WRITE_REPLACE = accessibleMethod("writeReplace");
    /** A class's {@code $deserializeLambda$} (null when it declares no serializable lambda). */
    private static final ClassValue<Method> DESERIALIZE_LAMBDA = accessibleMethod("$deserializeLambda$", SerializedLambda.class);

    /** A per-class cache of a declared method made accessible, or null where the class has none. */
    private static ClassValue<Method> accessibleMethod(String name, Class<?>... parameters) {
        return new ClassValue<>() {
            @Override
            protected Method computeValue(Class<?> type) {
                try {
                    Method m = type.getDeclaredMethod(name, parameters);
                    m.setAccessible(true);
                    return m;
                } catch (ReflectiveOperationException | RuntimeException e) {
                    return null;
                }
            }
        };
    }

    private CallFormat() {}

    /** The parts of a serializable lambda, or null when {@code target} is not one. */
    static SerializedLambda parts(Serializable target) {
        Class<?> c = target.getClass();
        if (!c.isHidden() && !c.isSynthetic()) {
            return null;
        }
        Method writeReplace = WRITE_REPLACE.get(c);
        try {
            return writeReplace != null && writeReplace.invoke(target) instanceof SerializedLambda sl ? sl : null;
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    static byte[] encode(SerializedLambda sl, Object[] args, Codec codec) {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(buf);
            out.writeUTF(sl.getCapturingClass());
            out.writeUTF(sl.getFunctionalInterfaceClass());
            out.writeUTF(sl.getFunctionalInterfaceMethodName());
            out.writeUTF(sl.getFunctionalInterfaceMethodSignature());
            out.writeInt(sl.getImplMethodKind());
            out.writeUTF(sl.getImplClass());
            out.writeUTF(sl.getImplMethodName());
            out.writeUTF(sl.getImplMethodSignature());
            out.writeUTF(sl.getInstantiatedMethodType());
            out.writeInt(sl.getCapturedArgCount());
            for (int i = 0; i < sl.getCapturedArgCount(); i++) {
                writeValue(out, sl.getCapturedArg(i), codec);
            }
            out.writeInt(args.length);
            for (Object a : args) {
                writeValue(out, a, codec);
            }
            out.flush();
            return buf.toByteArray();
        } catch (IOException e) {
            throw new SerializationException("cannot encode the call of " + sl.getImplClass() + ": " + e, null, e);
        }
    }

    static Codec.Call decode(byte[] bytes, int offset, Codec codec) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, offset, bytes.length - offset));
        String capturing = null;
        try {
            capturing = in.readUTF().replace('/', '.');
            String fiClass = in.readUTF();
            String fiName = in.readUTF();
            String fiSignature = in.readUTF();
            int implKind = in.readInt();
            String implClass = in.readUTF();
            String implName = in.readUTF();
            String implSignature = in.readUTF();
            String instantiated = in.readUTF();
            Object[] captured = readValues(in, codec);
            Object[] args = readValues(in, codec);
            Class<?> capturingClass = Class.forName(capturing, false, codec.loader());
            if (!codec.allowsLambdasDeclaredIn(capturingClass)) {
                throw new SerializationException("cannot deserialise a lambda declared in " + capturing
                        + ": not on this process's allow-list", capturing, null);
            }
            SerializedLambda sl = new SerializedLambda(capturingClass, fiClass, fiName, fiSignature, implKind, implClass,
                    implName, implSignature, instantiated, captured);
            Method deserialize = DESERIALIZE_LAMBDA.get(capturingClass);
            if (deserialize == null) {
                throw new SerializationException("class " + capturing + " declares no serializable lambda", capturing, null);
            }
            Object lambda = deserialize.invoke(null, sl);
            if (!(lambda instanceof Serializable target)) {
                throw new SerializationException("lambda of " + capturing + " is not serializable", capturing, null);
            }
            return new Codec.Call(target, args);
        } catch (InvocationTargetException e) {
            throw new SerializationException("class " + capturing + " refused to rebuild the lambda: " + e.getCause(),
                    capturing, e.getCause());
        } catch (IOException | ReflectiveOperationException | RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException("cannot decode a process call" + (capturing == null ? "" : " of " + capturing)
                    + ": " + e, capturing, e);
        }
    }

    private static Object[] readValues(DataInputStream in, Codec codec) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 255) {
            throw new IOException("malformed call: " + n + " values");
        }
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            values[i] = readValue(in, codec);
        }
        return values;
    }

    static void writeValue(DataOutputStream out, Object v, Codec codec) throws IOException {
        switch (v) {
            case null -> out.writeByte(0);
            case String s -> {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                out.writeByte(1);
                out.writeInt(b.length);
                out.write(b);
            }
            case Integer i -> {
                out.writeByte(2);
                out.writeInt(i);
            }
            case Long l -> {
                out.writeByte(3);
                out.writeLong(l);
            }
            case Double d -> {
                out.writeByte(4);
                out.writeDouble(d);
            }
            case Boolean b -> {
                out.writeByte(5);
                out.writeBoolean(b);
            }
            case byte[] b -> {
                out.writeByte(6);
                out.writeInt(b.length);
                out.write(b);
            }
            case Float f -> {
                out.writeByte(7);
                out.writeFloat(f);
            }
            case Short s -> {
                out.writeByte(8);
                out.writeShort(s);
            }
            case Byte b -> {
                out.writeByte(9);
                out.writeByte(b);
            }
            case Character c -> {
                out.writeByte(10);
                out.writeChar(c);
            }
            default -> {
                byte[] parts = HandleParts.get().write(v);
                if (parts != null) {
                    out.writeByte(11);
                    out.writeInt(parts.length);
                    out.write(parts);
                    return;
                }
                byte[] b = BootstrapFormat.encode(v, codec);
                out.writeByte(99);
                out.writeInt(b.length);
                out.write(b);
            }
        }
    }

    static Object readValue(DataInputStream in, Codec codec) throws IOException {
        int tag = in.readByte();
        return switch (tag) {
            case 0 -> null;
            case 1 -> new String(readBytes(in), StandardCharsets.UTF_8);
            case 2 -> in.readInt();
            case 3 -> in.readLong();
            case 4 -> in.readDouble();
            case 5 -> in.readBoolean();
            case 6 -> readBytes(in);
            case 7 -> in.readFloat();
            case 8 -> in.readShort();
            case 9 -> in.readByte();
            case 10 -> in.readChar();
            case 11 -> HandleParts.get().read(readBytes(in));
            case 99 -> BootstrapFormat.decode(readBytes(in), codec);
            default -> throw new IOException("malformed call: value tag " + tag);
        };
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("malformed call: length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
