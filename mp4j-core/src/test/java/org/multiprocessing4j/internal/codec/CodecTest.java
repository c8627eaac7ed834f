package org.multiprocessing4j.internal.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.multiprocessing4j.SerializationException;

/** The codec's allow-list, both formats, both directions. */
class CodecTest {
    record Point(int x, int y) implements Serializable {}

    record Other(String s) implements Serializable {}

    /** Records whether deserialisation ever built one. */
    static final class Tripwire implements Serializable {
        private static final long serialVersionUID = 1L;
        static volatile boolean readObjectRan;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            readObjectRan = true;
            in.defaultReadObject();
        }
    }

    interface SerializableSupplier extends IntSupplier, Serializable {}

    private static Codec codec(Class<?>... classes) {
        Codec c = new Codec(CodecTest.class.getClassLoader());
        c.register(classes);
        return c;
    }

    @Test
    void foryRoundTripsRegisteredClassesAndJdkCollections() {
        Codec c = codec(Point.class);
        Map<String, Object> m = new HashMap<>(Map.of("p", new Point(1, 2), "l", new ArrayList<>(List.of(1L, "s"))));
        assertEquals(m, c.decode(c.encode(m)));
    }

    @Test
    void foryRefusesToEncodeAnUnregisteredClassAndNamesIt() {
        Codec c = codec(Point.class);
        SerializationException e = assertThrows(SerializationException.class, () -> c.encode(new Other("x")));
        assertEquals(Other.class.getName(), e.offendingClass().orElseThrow());
    }

    @Test
    void foryRefusesToDecodeAClassOutsideItsAllowList() {
        Codec writer = codec(Point.class, Other.class);
        byte[] bytes = writer.encode(new Other("fine"));
        assertEquals(new Other("fine"), codec(Point.class, Other.class).decode(bytes));
        assertThrows(SerializationException.class, () -> codec().decode(bytes));
        assertThrows(SerializationException.class, () -> codec(Point.class).decode(bytes));
    }

    @Test
    void foryRefusesAMessageWrittenWithTheSameClassesInAnotherOrder() {
        byte[] bytes = codec(Point.class, Other.class).encode(new Other("fine"));
        SerializationException e = assertThrows(SerializationException.class, () -> codec(Other.class, Point.class).decode(bytes));
        assertTrue(e.getMessage().contains("another allow-list"), e.getMessage());
    }

    @Test
    void foryRefusesBytesTooShortToBeAMessage() {
        assertThrows(SerializationException.class, () -> codec(Point.class).decode(new byte[3]));
    }

    @Test
    void aRegistrationAfterFirstUseStartsANewGeneration() {
        Codec c = codec(Point.class);
        c.encode(new Point(1, 1));
        int before = c.generation();
        assertTrue(c.register(Other.class));
        assertEquals(before + 1, c.generation());
        assertEquals(new Other("late"), c.decode(c.encode(new Other("late"))));
        assertFalse(c.register(Other.class), "registering twice changes nothing");
        assertEquals(before + 1, c.generation());
    }

    @Test
    void aChildRebuildsTheSameAllowListByName() {
        Codec parent = codec(Point.class, Other.class);
        Codec child = Codec.fromRegistry(parent.registeredNames(), parent.generation(), CodecTest.class.getClassLoader());
        assertEquals(parent.registeredNames(), child.registeredNames());
        assertEquals(parent.generation(), child.generation());
        assertEquals(new Point(3, 4), child.decode(parent.encode(new Point(3, 4))));
        assertEquals(new Point(5, 6), child.decodeProcess(parent.encodeProcess(new Point(5, 6))));
    }

    @Test
    void processFormatRoundTripsLambdasDeclaredInARegisteredClass() {
        Codec c = codec(CodecTest.class);
        int captured = 41;
        SerializableSupplier s = () -> captured + 1;
        Object back = c.decodeProcess(c.encodeProcess(s));
        assertEquals(42, ((IntSupplier) back).getAsInt());
    }

    @Test
    void processFormatRefusesALambdaWhoseDeclaringClassIsNotAllowed() {
        Codec c = codec(Point.class);
        SerializableSupplier s = () -> 1;
        SerializationException e = assertThrows(SerializationException.class, () -> c.encodeProcess(s));
        assertEquals(CodecTest.class.getName(), e.offendingClass().orElseThrow());
    }

    @Test
    void processFormatRefusesAnUnserialisableObjectNamingIt() {
        Codec c = codec(Point.class);
        SerializationException e = assertThrows(SerializationException.class,
                () -> c.encodeProcess(new ArrayList<>(List.of(new Object()))));
        assertEquals("java.lang.Object", e.offendingClass().orElseThrow());
    }

    @Test
    void processFormatRefusesAClassOutsideTheAllowListBeforeBuildingIt() {
        Tripwire.readObjectRan = false;
        byte[] bytes = codec(Tripwire.class).encodeProcess(new Tripwire());
        SerializationException e = assertThrows(SerializationException.class, () -> codec(Point.class).decodeProcess(bytes));
        assertEquals(Tripwire.class.getName(), e.offendingClass().orElseThrow());
        assertFalse(Tripwire.readObjectRan, "no object of a refused class is built");
        assertEquals(Tripwire.class, codec(Tripwire.class).decodeProcess(bytes).getClass());
        assertTrue(Tripwire.readObjectRan);
    }

    interface SerializableFunction extends java.util.function.BiFunction<Object, Object, String>, Serializable {}

    @Test
    void theCallFormatRebuildsALambdaWithItsCapturedValuesAndArguments() {
        Codec c = codec(CodecTest.class, Point.class);
        String prefix = "p";
        Point captured = new Point(1, 2);
        SerializableFunction f = (a, b) -> prefix + captured + a + b;
        Object[] args = {"s", new Point(3, 4)};
        Codec.Call call = c.decodeCall(c.encodeCall(f, args), 0);
        assertEquals("pPoint[x=1, y=2]sPoint[x=3, y=4]", ((SerializableFunction) call.target()).apply(call.args()[0], call.args()[1]));
        Object[] values = {null, "é", 1, 2L, 3.0, true, new byte[] {7}, 4f, (short) 5, (byte) 6, 'c'};
        Codec.Call all = c.decodeCall(c.encodeCall(f, values), 0);
        assertEquals(java.util.Arrays.deepToString(values), java.util.Arrays.deepToString(all.args()));
    }

    /** Lambdas written in a class nested in a registered one: allowed to the writer, so to the reader too. */
    static final class Nested {
        static SerializableFunction function() {
            return (a, b) -> "nested " + a;
        }
    }

    @Test
    void aLambdaDeclaredInAClassNestedInARegisteredOneCrossesBothWays() {
        Codec writer = codec(CodecTest.class);
        byte[] bytes = writer.encodeCall(Nested.function(), new Object[] {"a", "b"});
        Codec.Call call = codec(CodecTest.class).decodeCall(bytes, 0);
        assertEquals("nested a", ((SerializableFunction) call.target()).apply(call.args()[0], call.args()[1]));
        assertThrows(SerializationException.class, () -> codec(Codec.class).decodeCall(bytes, 0));
    }

    @Test
    void theCallFormatIsOnlyForSerializableLambdas() {
        assertEquals(null, codec(Point.class).encodeCall(new Point(1, 1), new Object[0]));
    }

    @Test
    void theCallFormatChecksValuesAndTheDeclaringClassAgainstTheAllowList() {
        SerializableFunction f = (a, b) -> "x";
        SerializationException arg = assertThrows(SerializationException.class,
                () -> codec(CodecTest.class).encodeCall(f, new Object[] {new Other("not registered")}));
        assertEquals(Other.class.getName(), arg.offendingClass().orElseThrow());
        byte[] bytes = codec(CodecTest.class).encodeCall(f, new Object[0]);
        SerializationException refused = assertThrows(SerializationException.class, () -> codec(Codec.class).decodeCall(bytes, 0));
        assertEquals(CodecTest.class.getName(), refused.offendingClass().orElseThrow());
    }

    @Test
    void aForgedCallNamingAMethodTheClassNeverUsedAsALambdaIsRefusedByTheClass() {
        SerializableFunction f = (a, b) -> "x";
        Codec c = codec(CodecTest.class);
        byte[] bytes = c.encodeCall(f, new Object[0]);
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        String impl = CallFormatAccess.implName(f);
        String forged = text.replace(impl, "codec" + "x".repeat(impl.length() - "codec".length()));
        byte[] forgedBytes = forged.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        SerializationException e = assertThrows(SerializationException.class, () -> c.decodeCall(forgedBytes, 0));
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
    }

    /** Reads a lambda's implementation method name (test helper). */
    static final class CallFormatAccess {
        static String implName(Serializable lambda) {
            return CallFormat.parts(lambda).getImplMethodName();
        }
    }

    @Test
    void declaringClassOfALambdaIsTheClassThatWroteIt() {
        SerializableSupplier s = () -> 7;
        assertEquals(CodecTest.class, Codec.declaringClassOf(s, CodecTest.class.getClassLoader()));
        assertEquals(Point.class, Codec.declaringClassOf(new Point(1, 2), CodecTest.class.getClassLoader()));
    }

    @Test
    void registeringNullPrimitivesOrLambdaClassesIsAClearError() {
        Codec c = codec();
        assertThrows(NullPointerException.class, () -> c.register((Class<?>) null));
        assertThrows(IllegalArgumentException.class, () -> c.register(int.class));
        SerializableSupplier s = () -> 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.register(s.getClass()));
        assertTrue(e.getMessage().contains("declares the lambda"), e.getMessage());
    }
}
