package org.multiprocessing4j.cli.demo;

import java.util.ArrayList;
import java.util.List;
import org.multiprocessing4j.Barrier;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.Value;

/**
 * Seed 001, 进程安全: 5 processes each add 1 to a shared {@link Value} 1000 times. {@code value += 1}
 * is a read and a write, not one atomic step, so without the lock updates are lost (the seed
 * printed 2153); with {@code get_lock()} the result is 5000. A {@link Barrier} starts the five
 * loops together so that they overlap, as forked CPython children do; and the atomic
 * {@code incrementAndGet} that CPython lacks gives 5000 without a lock.
 *
 * <pre>
 * def proc_test1(value):
 *     for i in range(1000):
 *         with value.get_lock():
 *             value.value += 1
 * value = Value("i", 0)
 * </pre>
 */
final class ValueIncrementDemo implements Demo {
    @Override
    public String name() {
        return "value-increment";
    }

    @Override
    public String description() {
        return "Value('i') += 1 by 5 processes x 1000: lost updates without the lock, 5000 with it (seed 001)";
    }

    static void unsafeIncrement(Value value, Barrier start) throws Exception {
        start.await();
        for (int i = 0; i < 1000; i++) {
            value.set(value.getLong() + 1);             // value.value += 1
        }
    }

    static void lockedIncrement(Value value, Barrier start) throws Exception {
        start.await();
        java.util.concurrent.locks.Lock lock = value.getLock();
        for (int i = 0; i < 1000; i++) {
            lock.lock();                                  // with value.get_lock():
            try {
                value.set(value.getLong() + 1);
            } finally {
                lock.unlock();
            }
        }
    }

    static void atomicIncrement(Value value, Barrier start) throws Exception {
        start.await();
        for (int i = 0; i < 1000; i++) {
            value.incrementAndGet();
        }
    }

    private static long runFive(String label, org.multiprocessing4j.Target2<Value, Barrier> body) throws Exception {
        Value value = Multiprocessing.value('i', 0);     // value = Value("i", 0)
        Barrier start = Multiprocessing.barrier(5, null, null);
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ps.add(new Process(body, value, start));
        }
        for (Process p : ps) {
            p.start();                                    // 批量启动
        }
        for (Process p : ps) {
            p.join();                                     // 批量资源回收
        }
        System.out.printf("%-34s %d%n", label, value.getLong());
        return value.getLong();
    }

    @Override
    public void run() throws Exception {
        System.out.println("5 processes x 1000 increments (理论上应该是: 5×1000=5000)");
        runFive("without the lock:", ValueIncrementDemo::unsafeIncrement);
        runFive("with value.getLock():", ValueIncrementDemo::lockedIncrement);
        runFive("with value.incrementAndGet():", ValueIncrementDemo::atomicIncrement);
    }
}
