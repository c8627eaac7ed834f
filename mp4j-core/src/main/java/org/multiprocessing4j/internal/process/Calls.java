package org.multiprocessing4j.internal.process;

import org.multiprocessing4j.Target;
import org.multiprocessing4j.Target1;
import org.multiprocessing4j.Target2;
import org.multiprocessing4j.Target3;
import org.multiprocessing4j.Task;
import org.multiprocessing4j.Task1;
import org.multiprocessing4j.Task2;
import org.multiprocessing4j.Task3;

/** Calls a decoded task or target with its decoded arguments: the one place that knows the function shapes (pool workers, cluster members). */
public final class Calls {
    private Calls() {}

    /**
     * Calls {@code fn} ({@link Task}..{@link Task3}, {@link Target}..{@link Target3}, a
     * {@link Runnable} or a {@link java.util.concurrent.Callable}) with {@code a}.
     *
     * @return the result, null for the void shapes
     * @throws IllegalArgumentException when {@code fn} cannot take {@code a.length} arguments
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Object invoke(Object fn, Object[] a) throws Exception {
        if (fn instanceof Task t && a.length == 0) {
            return t.call();
        } else if (fn instanceof Task1 t && a.length == 1) {
            return t.apply(a[0]);
        } else if (fn instanceof Task2 t && a.length == 2) {
            return t.apply(a[0], a[1]);
        } else if (fn instanceof Task3 t && a.length == 3) {
            return t.apply(a[0], a[1], a[2]);
        } else if (fn instanceof Target t && a.length == 0) {
            t.run();
            return null;
        } else if (fn instanceof Target1 t && a.length == 1) {
            t.run(a[0]);
            return null;
        } else if (fn instanceof Target2 t && a.length == 2) {
            t.run(a[0], a[1]);
            return null;
        } else if (fn instanceof Target3 t && a.length == 3) {
            t.run(a[0], a[1], a[2]);
            return null;
        } else if (fn instanceof Runnable r && a.length == 0) {
            r.run();
            return null;
        } else if (fn instanceof java.util.concurrent.Callable c && a.length == 0) {
            return c.call();
        }
        throw new IllegalArgumentException("cannot call a " + fn.getClass().getName() + " with " + a.length + " argument(s)");
    }

}
