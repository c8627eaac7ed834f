package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * Single-process behaviour of the shared objects: bad input, error messages, permissions, the
 * serial form, and the semantics that need no second process. Cross-process behaviour is in
 * {@link SyncContract}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedObjectsTest {
    private final Context ctx = Multiprocessing.context("thread");

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T handle) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(buf)) {
            out.writeObject(handle);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(buf.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void segmentsAreOwnerOnlyWithUnguessableNames() throws IOException {
        SharedMemory a = SharedMemory.create(100);
        SharedMemory b = SharedMemory.create(100);
        try {
            assertTrue(a.name().matches("r[a-z2-7]{26}"), a.name());
            assertFalse(a.name().equals(b.name()));
            Path file = Segments.DIR.resolve(Segments.PREFIX + a.name());
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(file));
        } finally {
            a.close();
            b.close();
        }
        assertFalse(Segments.exists(a.name()), "the last user's close removes the segment");
    }

    @Test
    void sharedMemoryByNameBulkAndBufferViews() {
        String name = "test-shm-" + ProcessHandle.current().pid();
        try (SharedMemory shm = SharedMemory.create(name, 8 * 1000)) {
            assertThrows(IllegalStateException.class, () -> SharedMemory.create(name, 10), "name taken");
            double[] src = new double[1000];
            for (int i = 0; i < src.length; i++) {
                src[i] = i * 0.25;
            }
            java.lang.foreign.MemorySegment.copy(src, 0, shm.segment(), ValueLayout.JAVA_DOUBLE, 0, src.length);
            try (SharedMemory other = SharedMemory.attach(name)) {
                ByteBuffer buf = other.buffer();
                assertEquals(8 * 1000, buf.capacity());
                assertEquals(999 * 0.25, buf.getDouble(999 * 8));
            }
            shm.unlink();
            assertThrows(NoSuchElementException.class, () -> SharedMemory.attach(name));
            assertEquals(0.25, shm.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, 1), "still mapped after unlink");
            shm.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, shm::segment);
            assertTrue(e.getMessage().contains("closed"));
        }
    }

    @Test
    void badInputIsAClearError() {
        assertThrows(IllegalArgumentException.class, () -> ctx.value('x', 0));
        assertThrows(IllegalArgumentException.class, () -> ctx.array('z', 3));
        assertThrows(IllegalArgumentException.class, () -> ctx.array('i', -1));
        assertThrows(IllegalArgumentException.class, () -> ctx.semaphore(-1));
        assertThrows(IllegalArgumentException.class, () -> ctx.barrier(0));
        assertThrows(IllegalArgumentException.class, () -> SharedMemory.create(0));
        assertThrows(IllegalArgumentException.class, () -> SharedMemory.create(-5));
        assertThrows(IllegalArgumentException.class, () -> SharedMemory.create("../etc/passwd", 10));
        NoSuchElementException missing = assertThrows(NoSuchElementException.class,
                () -> SharedMemory.attach("no-such-block"));
        assertTrue(missing.getMessage().contains("no-such-block"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ctx.value('b', 200), "out of range for signed char");
        assertThrows(IllegalArgumentException.class, () -> ctx.value('i', 1.5), "fraction for an int");
        assertThrows(IllegalArgumentException.class, () -> ctx.condition(new java.util.concurrent.locks.ReentrantLock()));
        Array a = ctx.rawArray('h', 4);
        assertThrows(IndexOutOfBoundsException.class, () -> a.get(4));
        assertThrows(IndexOutOfBoundsException.class, () -> a.set(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> a.copyFrom(0, new int[4], 0, 4), "short[] expected");
        assertThrows(IndexOutOfBoundsException.class, () -> a.copyFrom(2, new short[4], 0, 4));
        // the double accessors: straight for 'd', converted for the other typecodes, range-checked alike
        Array d = ctx.rawArray('d', 3);
        d.setDouble(2, 0.25);
        assertEquals(0.25, d.getDouble(2));
        a.setDouble(3, 7.0);
        assertEquals(7.0, a.getDouble(3));
        assertEquals(7L, a.getLong(3));
        for (Array x : List.of(d, a)) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> x.getDouble(x.length()));
            assertTrue(e.getMessage().contains("out of bounds for length " + x.length()), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> x.setDouble(-1, 1.0));
        }
        IllegalStateException raw = assertThrows(IllegalStateException.class, () -> ctx.rawValue('i', 0).getLock());
        assertTrue(raw.getMessage().contains("raw"));
    }

    @Test
    void aForeignFileIsRefused() throws IOException {
        Path foreign = Segments.DIR.resolve(Segments.PREFIX + "foreign-" + ProcessHandle.current().pid());
        Files.write(foreign, new byte[128]);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SharedMemory.attach(foreign.getFileName().toString().substring(Segments.PREFIX.length())));
            assertTrue(e.getMessage().contains("magic"), e.getMessage());
        } finally {
            Files.deleteIfExists(foreign);
        }
    }

    @Test
    void aSegmentOfAnotherKindIsRefused() throws Exception {
        Event e = ctx.event();
        SharedRef forged = new SharedRef(SharedRef.LOCK, roundTripName(e));
        IllegalStateException x = assertThrows(IllegalStateException.class, forged::resolve);
        assertTrue(x.getMessage().contains("kind"), x.getMessage());
    }

    private static String roundTripName(Object handle) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(buf)) {
            out.writeObject(handle);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(buf.toByteArray())) {
            @Override
            protected Object resolveObject(Object obj) {
                return obj;
            }
        }) {
            Object o = in.readObject();
            return o.toString().replaceAll(".*\\((r[a-z2-7]+).*", "$1");
        }
    }

    @Test
    void valuesKeepTheirTypeAndRange() {
        Value b = ctx.rawValue('B', 255);
        assertEquals((short) 255, b.get());
        Value c = ctx.rawValue('h', -2);
        assertEquals(-1, c.incrementAndGet());
        Value d = ctx.value('d', 1.5);
        assertEquals(1.5, d.getAndAdd(1.0));
        assertEquals(2.5, d.getDouble());
        Value q = ctx.rawValue('Q', -1L);
        assertEquals("18446744073709551615", Long.toUnsignedString(q.getLong()));
        Array bytes = ctx.rawArray('b', 7);
        bytes.set(5, -3);
        assertTrue(bytes.compareAndSet(5, -3, 100));
        assertEquals((byte) 100, bytes.get(5));
        assertEquals((byte) 0, bytes.get(4), "a narrow CAS leaves its neighbours alone");
        assertEquals((byte) 0, bytes.get(6));
    }

    @Test
    void handlesSerialiseToTheirNameAndReattach() throws Exception {
        Value v = ctx.value('i', 7);
        Value copy = roundTrip(v);
        copy.set(42);
        assertEquals(42, v.getLong());
        Condition cond = ctx.condition(ctx.lock());
        Condition cc = roundTrip(cond);
        cc.lock().lock();
        assertTrue(((Lock) cond.lock()).isLocked(), "the copy's lock is the same lock");
        cc.lock().unlock();
        RLock own = (RLock) v.getLock();
        RLock ownCopy = (RLock) roundTrip(v).getLock();
        own.lock();
        assertTrue(ownCopy.isLocked());
        own.unlock();
    }

    @Test
    void typedVariantsOfTheFacade() {
        SharedInt i = Multiprocessing.sharedInt(41);
        assertEquals(42, i.incrementAndGet());
        assertTrue(i.compareAndSet(42, 7));
        SharedDouble d = Multiprocessing.sharedDouble(0.5);
        assertEquals(0.5, d.getAndAdd(1.0));
        SharedLongArray a = Multiprocessing.sharedLongArray(3);
        a.set(2, Long.MAX_VALUE);
        assertEquals(Long.MAX_VALUE, a.toArray()[2]);
        assertEquals(3, Multiprocessing.sharedIntArray(3).length());
        assertEquals(0.0, Multiprocessing.sharedDoubleArray(2).get(1));
        assertEquals(0L, Multiprocessing.sharedLong(0).get());
    }

    @Test
    void lockSemantics() throws InterruptedException {
        Lock lock = ctx.lock();
        assertThrows(IllegalMonitorStateException.class, lock::unlock, "release of an unlocked lock");
        try (Held held = lock.hold()) {
            assertTrue(lock.isLocked());
            assertFalse(lock.tryLock(), "not reentrant");
            assertFalse(lock.tryLock(Duration.ofMillis(30)));
            assertTrue(lock.toString().contains("pid " + ProcessHandle.current().pid()), lock.toString());
        }
        assertFalse(lock.isLocked());
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, lock::lockInterruptibly);
    }

    @Test
    void boundedSemaphoreRefusesOverRelease() {
        BoundedSemaphore s = ctx.boundedSemaphore(2);
        assertThrows(IllegalStateException.class, s::release);
        assertTrue(s.tryAcquire());
        s.release();
        assertEquals(2, s.availablePermits());
        Semaphore plain = ctx.semaphore(0);
        plain.release();
        assertEquals(1, plain.availablePermits(), "an unbounded semaphore may grow");
    }

    @Test
    void barrierTimeoutBreaksAndResetRepairs() throws Exception {
        Barrier b = ctx.barrier(2, null, Duration.ofMillis(50));
        assertThrows(TimeoutException.class, b::await);
        assertTrue(b.isBroken());
        assertThrows(BrokenBarrierException.class, b::await);
        b.reset();
        assertFalse(b.isBroken());
        Barrier withAction = ctx.barrier(1, () -> {
            throw new IllegalStateException("action fails");
        }, null);
        BrokenBarrierException e = assertThrows(BrokenBarrierException.class, withAction::await);
        assertTrue(e.getCause() instanceof IllegalStateException);
    }

    @Test
    void conditionRequiresItsLock() throws InterruptedException {
        Condition c = ctx.condition();
        assertThrows(IllegalMonitorStateException.class, c::signal);
        assertThrows(IllegalMonitorStateException.class, () -> c.await(Duration.ofMillis(1)));
        c.lock().lock();
        c.lock().lock();
        try {
            assertFalse(c.await(Duration.ofMillis(30)), "no signal: times out");
            assertEquals(2, ((RLock) c.lock()).getHoldCount(), "both holds restored after the wait");
        } finally {
            c.lock().unlock();
            c.lock().unlock();
        }
    }
}
