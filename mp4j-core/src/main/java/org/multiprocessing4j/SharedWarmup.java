package org.multiprocessing4j;

import java.util.List;
import org.multiprocessing4j.internal.shm.Futex;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * Runs the hot paths of the shared-memory objects in an idle pre-started JVM, so that a process
 * started there finds them compiled. Measured (this project's 2-core machines, JDK 25): in a cold
 * JVM, the first 10,000 lock/increment/unlock rounds run interpreted at 4-7 us each (the
 * {@code VarHandle}s on a memory segment are slow until compiled), and 310,000 rounds took over
 * 100 ms; after this warm-up, the same rounds took 18-20 ms. It also links the futex downcall
 * (57-83 ms the first time). The objects live on private segments removed at the end. It runs
 * only when the parent has used shared memory itself (about 150-200 ms of CPU per JVM), and in
 * AOT training runs.
 */
final class SharedWarmup {
    private static final int ROUNDS = 20_000;

    private SharedWarmup() {}

    static void run() {
        Lock lock = new Lock();
        RLock rlock = new RLock();
        Value value = new Value(TypeCode.INT, 0, Boolean.TRUE);
        Value big = new Value(TypeCode.LONG, 0, null);
        Semaphore sem = new Semaphore(SharedRef.SEMAPHORE, 1);
        Event event = new Event();
        Array doubles = new Array(TypeCode.DOUBLE, 256, null);
        try {
            java.util.concurrent.locks.Lock valueLock = value.getLock();
            double sum = 0;
            for (int i = 0; i < ROUNDS; i++) {
                lock.lock();
                value.set(value.getLong() + 1);
                lock.unlock();
                valueLock.lock();
                value.set(value.getLong() + 1);
                valueLock.unlock();
                rlock.lock();
                rlock.unlock();
                big.incrementAndGet();
                if (sem.tryAcquire()) {
                    sem.release();
                }
                int j = i & 255;
                doubles.setDouble(j, i);
                sum += doubles.getDouble(j);
                if (event.isSet()) {
                    event.clear();
                }
            }
            if (value.getLong() != 2L * ROUNDS || big.getLong() != ROUNDS || sum <= 0) {
                throw new IllegalStateException("shared-memory warm-up computed a wrong result");
            }
            Segment s = Segments.attach(event.ref().segment(), SharedRef.EVENT);
            try {
                Futex.wake(s.address(0), 1); // links the downcall; nobody sleeps there
            } finally {
                Segments.release(s);
            }
        } finally {
            for (String name : List.of(lock.ref().segment(), rlock.ref().segment(), value.ref().segment(),
                    big.ref().segment(), sem.ref().segment(), event.ref().segment(), doubles.ref().segment())) {
                Segments.discard(name);
            }
        }
    }
}
