package org.multiprocessing4j.internal.codec;

import java.io.Serializable;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.multiprocessing4j.SerializationException;

/**
 * A process target sent as what it calls instead of as a lambda object: the implementation
 * method (class, name, descriptor, kind) and the captured values. The child calls that method
 * through a {@link MethodHandle} and never rebuilds the lambda.
 *
 * <h2>Why</h2>
 * Rebuilding a serializable lambda in a child ({@code $deserializeLambda$}, then
 * {@code LambdaMetafactory.altMetafactory}) spins a hidden class and costs a cold JVM 7-20 ms,
 * measured on this project's machines with the AOT cache; finding and calling the same method
 * through a method handle cost 0.1-0.15 ms. That is a third of a spawned child's start.
 *
 * <h2>When</h2>
 * Only for {@code Process}'s own target field (a lambda held elsewhere in the graph keeps its
 * type), and only when the implementation method belongs to the same top-level class (nest) as
 * the class that declares the lambda: a recipe never names a method of a class the lambda's own
 * class could not call privately. Anything else (a method reference to a JDK method, a class
 * this library may not look into) travels as a {@link SerializedLambda}, as before. The child
 * checks the class against its allow-list before it calls anything.
 *
 * <p>Semantics kept: arguments are adapted as {@code LambdaMetafactory} adapts them (boxing,
 * unboxing, widening), a value returned by the implementation is dropped (targets are void), and
 * an exception thrown by the target reaches the caller unwrapped.
 */
public final class LambdaRecipe implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Map<String, MethodHandle> RESOLVED = new ConcurrentHashMap<>();
    /** A lambda class's writeReplace method (null when it has none), looked up once per class. */
    private static final ClassValue<Method> WRITE_REPLACE = new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
            try {
                Method m = type.getDeclaredMethod("writeReplace");
                m.setAccessible(true);
                return m;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
    };

    private final String implClass;
    private final String implName;
    private final String implDescriptor;
    private final int implKind;
    private final Object[] captured;

    private LambdaRecipe(String implClass, String implName, String implDescriptor, int implKind, Object[] captured) {
        this.implClass = implClass;
        this.implName = implName;
        this.implDescriptor = implDescriptor;
        this.implKind = implKind;
        this.captured = captured;
    }

    /**
     * What to send for a process target: a recipe when the target is an eligible serializable
     * lambda (see the class doc), else the target itself.
     */
    public static Serializable forWire(Serializable target, ClassLoader loader) {
        if (target == null || !(target.getClass().isHidden() || target.getClass().isSynthetic())) {
            return target;
        }
        SerializedLambda sl;
        try {
            Method writeReplace = WRITE_REPLACE.get(target.getClass());
            if (writeReplace == null || !(writeReplace.invoke(target) instanceof SerializedLambda s)) {
                return target;
            }
            sl = s;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return target; // not a serializable lambda: encoding reports it
        }
        String impl = sl.getImplClass().replace('/', '.');
        if (!topLevel(impl).equals(topLevel(sl.getCapturingClass().replace('/', '.')))) {
            return target;
        }
        Object[] captured = new Object[sl.getCapturedArgCount()];
        for (int i = 0; i < captured.length; i++) {
            captured[i] = sl.getCapturedArg(i);
        }
        LambdaRecipe r = new LambdaRecipe(impl, sl.getImplMethodName(), sl.getImplMethodSignature(), sl.getImplMethodKind(), captured);
        try {
            r.resolve(loader); // what the child will do; if this JVM cannot, the child could not either
        } catch (RuntimeException e) {
            return target;
        }
        return r;
    }

    /**
     * The implementation as {@code (Object[]) -> Object}: arguments spread from one array,
     * boxed values adapted, the result (if any) boxed. Found and built once per JVM, so that a
     * warm JVM's rehearsal leaves nothing to generate for the real call.
     */
    public MethodHandle resolve(ClassLoader loader) {
        String key = implClass + '.' + implName + implDescriptor + '/' + implKind;
        MethodHandle known = RESOLVED.get(key);
        if (known != null) {
            return known;
        }
        try {
            Class<?> owner = Class.forName(implClass, false, loader);
            MethodType type = MethodType.fromMethodDescriptorString(implDescriptor, loader);
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(owner, MethodHandles.lookup());
            MethodHandle mh = switch (implKind) {
                case MethodHandleInfo.REF_invokeStatic -> lookup.findStatic(owner, implName, type);
                case MethodHandleInfo.REF_invokeVirtual, MethodHandleInfo.REF_invokeInterface ->
                        lookup.findVirtual(owner, implName, type);
                case MethodHandleInfo.REF_invokeSpecial -> lookup.findSpecial(owner, implName, type, owner);
                case MethodHandleInfo.REF_newInvokeSpecial -> lookup.findConstructor(owner, type);
                default -> throw new IllegalArgumentException("unsupported method handle kind " + implKind);
            };
            mh = mh.asFixedArity();
            MethodHandle spread = mh.asType(mh.type().generic()).asSpreader(Object[].class, mh.type().parameterCount());
            RESOLVED.put(key, spread);
            return spread;
        } catch (ReflectiveOperationException | IllegalArgumentException | TypeNotPresentException e) {
            throw new SerializationException("cannot find the target " + implClass + "." + implName + implDescriptor
                    + " in this process: " + e, implClass, e);
        }
    }

    /**
     * Calls the implementation with the captured values and {@code args}, after checking its
     * class against {@code codec}'s allow-list.
     */
    public void invoke(Codec codec, ClassLoader loader, Object... args) throws Throwable {
        if (codec == null) {
            throw new IllegalStateException("a target recipe runs only in the child that decoded it: " + this);
        }
        if (!codec.isAllowedNest(implClass)) {
            throw new SerializationException("cannot run target " + implClass + "." + implName
                    + ": its class is not on this process's allow-list", implClass, null);
        }
        MethodHandle spread = resolve(loader);
        Object[] all = new Object[captured.length + args.length];
        System.arraycopy(captured, 0, all, 0, captured.length);
        System.arraycopy(args, 0, all, captured.length, args.length);
        Object ignored = (Object) spread.invokeExact(all);
    }

    @Override
    public String toString() {
        return "LambdaRecipe[" + implClass + "." + implName + implDescriptor + "]";
    }

    /** {@code a.B} for {@code a.B$C$D}: the top-level class of a nest, by binary name. */
    static String topLevel(String name) {
        int dollar = name.indexOf('$', name.lastIndexOf('.') + 1);
        return dollar < 0 ? name : name.substring(0, dollar);
    }
}
