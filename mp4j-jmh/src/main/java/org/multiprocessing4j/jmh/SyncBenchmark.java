package org.multiprocessing4j.jmh;

import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.Lock;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.RLock;
import org.multiprocessing4j.Semaphore;
import org.multiprocessing4j.Value;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The lock and atomic paths of the shared-memory objects, in one JVM (the memory is the same
 * shared mapping other processes use; the cross-process figures are in {@code ./mp4j bench}).
 * Uncontended pairs measure the fast path (a CAS to acquire, a getAndSet to release); the
 * {@code contended} group runs two threads on one lock, where waiters spin, back off and sleep
 * on the futex. Run: {@code ./mp4j jmh SyncBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class SyncBenchmark {
    private Lock lock;
    private Lock shared;
    private RLock rlock;
    private Semaphore semaphore;
    private Value counter;
    private Value plain;

    @Setup
    public void setup() {
        lock = Multiprocessing.lock();
        shared = Multiprocessing.lock();
        rlock = Multiprocessing.rlock();
        semaphore = Multiprocessing.semaphore(1);
        counter = Multiprocessing.rawValue('q', 0);
        plain = Multiprocessing.rawValue('i', 0);
    }

    /** CPython's lock_uncontended: acquire and release. */
    @Benchmark
    public void lockUnlock() {
        lock.lock();
        lock.unlock();
    }

    /** The same on an RLock (owner checks, hold count). */
    @Benchmark
    public void rlockUnlock() {
        rlock.lock();
        rlock.unlock();
    }

    /** A permit taken and given back. */
    @Benchmark
    public void semaphoreTryAcquireRelease() {
        if (semaphore.tryAcquire()) {
            semaphore.release();
        }
    }

    /** One atomic increment of a shared long (CPython has none). */
    @Benchmark
    public long valueIncrementAndGet() {
        return counter.incrementAndGet();
    }

    /** {@code v.value += 1} without a lock: an acquire load and a release store. */
    @Benchmark
    public void valueGetSet() {
        plain.set(plain.getLong() + 1);
    }

    /** Two threads on one lock, each: lock, unlock. */
    @Benchmark
    @Group("contended")
    @GroupThreads(2)
    public void contendedLockUnlock() {
        shared.lock();
        shared.unlock();
    }
}
