package org.multiprocessing4j.internal.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.multiprocessing4j.SerializationException;
import org.multiprocessing4j.Target1;
import org.multiprocessing4j.Target2;

/** Targets sent as the method they call (see {@link LambdaRecipe}). */
class LambdaRecipeTest {
    static final List<String> CALLS = new ArrayList<>();
    private static final ClassLoader LOADER = LambdaRecipeTest.class.getClassLoader();

    static void record(String s) {
        CALLS.add("static " + s);
    }

    static void square(int x) {
        CALLS.add("square " + (x * x));
    }

    static void fail(String why) {
        throw new IllegalStateException(why);
    }

    /** A serializable receiver for bound method references. */
    record Greeter(String greeting) implements Serializable {
        void greet(String who) {
            CALLS.add(greeting + " " + who);
        }
    }

    private static LambdaRecipe recipe(Serializable target) {
        Serializable wire = LambdaRecipe.forWire(target, LOADER);
        assertTrue(wire instanceof LambdaRecipe, "expected a recipe for " + target);
        return (LambdaRecipe) codec().decodeProcess(codec().encodeProcess(wire));
    }

    private static Codec codec() {
        Codec c = new Codec(LOADER);
        c.register(LambdaRecipeTest.class, Greeter.class);
        return c;
    }

    @Test
    void aStaticMethodReferenceIsCalledDirectly() throws Throwable {
        CALLS.clear();
        Target1<String> t = LambdaRecipeTest::record;
        recipe(t).invoke(codec(), LOADER, "x");
        assertEquals(List.of("static x"), CALLS);
    }

    @Test
    void capturedValuesComeFirstAndBoxedArgumentsAreUnboxed() throws Throwable {
        CALLS.clear();
        int base = 3;
        String label = "sum";
        Target2<Integer, Integer> t = (a, b) -> CALLS.add(label + " " + (base + a + b));
        recipe(t).invoke(codec(), LOADER, 4, 5);
        Target1<Integer> sq = LambdaRecipeTest::square;
        recipe(sq).invoke(codec(), LOADER, 7);
        assertEquals(List.of("sum 12", "square 49"), CALLS);
    }

    @Test
    void aBoundMethodReferenceCarriesItsReceiver() throws Throwable {
        CALLS.clear();
        Target1<String> t = new Greeter("你好")::greet;
        recipe(t).invoke(codec(), LOADER, "world");
        assertEquals(List.of("你好 world"), CALLS);
    }

    @Test
    void aMethodOfAnotherNestTravelsAsTheLambdaItself() {
        Target1<Object> t = String::valueOf; // java.lang.String: not this class's nest
        assertSame(t, LambdaRecipe.forWire(t, LOADER));
        assertSame("not a lambda", LambdaRecipe.forWire("not a lambda", LOADER));
    }

    @Test
    void theTargetsExceptionReachesTheCallerUnwrapped() {
        Target1<String> t = LambdaRecipeTest::fail;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> recipe(t).invoke(codec(), LOADER, "why"));
        assertEquals("why", e.getMessage());
    }

    @Test
    void aRecipeWhoseClassIsNotOnTheAllowListIsRefused() {
        Target1<String> t = LambdaRecipeTest::record;
        LambdaRecipe r = recipe(t);
        SerializationException e = assertThrows(SerializationException.class, () -> r.invoke(new Codec(LOADER), LOADER, "x"));
        assertEquals(LambdaRecipeTest.class.getName(), e.offendingClass().orElseThrow());
        assertThrows(IllegalStateException.class, () -> r.invoke(null, LOADER, "x"));
    }
}
