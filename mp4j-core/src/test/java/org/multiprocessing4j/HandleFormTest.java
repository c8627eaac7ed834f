package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.codec.HandleParts;

/**
 * Shared-memory handles in the call format of process payloads: written as their parts (tag 11)
 * rather than through JDK serialization, read back as a handle on the same shared object. Here
 * in one JVM (reading attaches the segment a second time, as a thread-method child does); the
 * contract suites pass every kind to spawned and warm children, which now read this form.
 */
class HandleFormTest {
    private static final int PARTS = 11;
    private static final int JDK = 99;

    private final Context ctx = Context.builder(StartMethod.THREAD).build();
    private final Codec codec = new Codec(HandleFormTest.class.getClassLoader());

    @AfterEach
    void close() {
        ctx.close();
    }

    private byte[] written(Object value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            codec.writeValue(new DataOutputStream(b), value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    @SuppressWarnings("unchecked")
    private <T> T read(byte[] bytes) throws IOException {
        return (T) codec.readValue(new DataInputStream(new ByteArrayInputStream(bytes)));
    }

    /** Writes {@code value}, checks that it went as its parts, and reads it back. */
    private <T> T viaParts(T value) throws IOException {
        byte[] b = written(value);
        assertEquals(PARTS, b[0], value.getClass().getSimpleName() + " is written as its parts");
        T back = read(b);
        assertInstanceOf(value.getClass(), back);
        assertNotSame(value, back);
        return back;
    }

    @Test
    void locksSemaphoresEventsAndConditionsArriveOnTheSameSharedObject() throws Exception {
        Lock lock = ctx.lock();
        lock.lock();
        assertFalse(tryLockElsewhere(viaParts(lock)), "the copy sees the original's hold");
        lock.unlock();

        RLock rlock = viaParts(ctx.rlock());
        assertTrue(rlock.tryLock());
        rlock.unlock();

        Semaphore s = ctx.semaphore(0);
        viaParts(s).release();
        assertTrue(s.tryAcquire(), "a release through the copy is the original's");

        BoundedSemaphore bs = ctx.boundedSemaphore(1);
        BoundedSemaphore bsCopy = viaParts(bs);
        assertThrows(IllegalStateException.class, bsCopy::release, "still bounded");

        Event e = ctx.event();
        viaParts(e).set();
        assertTrue(e.isSet());

        RLock conditionLock = ctx.rlock();
        Condition copy = viaParts(ctx.condition(conditionLock));
        copy.lock().lock();
        assertFalse(tryLockElsewhere(conditionLock), "the copy's lock is a handle on the original's");
        copy.signalAll(); // allowed: the copy's lock is held
        copy.lock().unlock();

        Barrier b = ctx.barrier(1);
        assertEquals(0, viaParts(b).await(Duration.ofSeconds(10)));
    }

    @Test
    void valuesArraysAndTheirTypedViewsKeepTheirLocksAndTheirMemory() throws Exception {
        Value v = ctx.value('i', 1);
        Value vCopy = viaParts(v);
        vCopy.set(42);
        assertEquals(42, v.get().intValue());
        vCopy.getLock().lock();
        assertFalse(tryLockElsewhere(v.getLock()), "the copy's lock is the original's RLock");
        vCopy.getLock().unlock();

        Lock given = ctx.lock();
        Value withGiven = ctx.value('d', 0.5, given);
        given.lock();
        assertFalse(tryLockElsewhere(viaParts(withGiven).getLock()), "a given lock travels with the value");
        given.unlock();

        Array a = ctx.array('d', 4);
        viaParts(a).setDouble(3, 2.5);
        assertEquals(2.5, a.getDouble(3));

        SharedInt si = ctx.sharedInt(7);
        viaParts(si).set(8);
        assertEquals(8, si.get());
        SharedLong sl = ctx.rawSharedLong(7);
        viaParts(sl).set(9);
        assertEquals(9, sl.get());
        SharedDouble sd = ctx.sharedDouble(1.5);
        viaParts(sd).set(2.5);
        assertEquals(2.5, sd.get());
        SharedIntArray ia = ctx.sharedIntArray(2);
        viaParts(ia).set(1, 5);
        assertEquals(5, ia.get(1));
        SharedLongArray la = ctx.sharedLongArray(2);
        viaParts(la).set(1, 6);
        assertEquals(6, la.get(1));
        SharedDoubleArray da = ctx.sharedDoubleArray(2);
        viaParts(da).set(1, 0.25);
        assertEquals(0.25, da.get(1));

        SharedMemory shm = SharedMemory.create(4096);
        try {
            SharedMemory copy = viaParts(shm);
            copy.buffer().put(0, (byte) 7);
            assertEquals(7, shm.buffer().get(0));
            copy.close();
        } finally {
            shm.close();
            shm.unlink();
        }
    }

    /** Whether another thread gets {@code lock} at once (it lets it go again if so). */
    private static boolean tryLockElsewhere(java.util.concurrent.locks.Lock lock) throws Exception {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            boolean got = lock.tryLock();
            if (got) {
                lock.unlock();
            }
            return got;
        }).get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void queuesAndPipeEndsArriveOnTheSameRing() throws Exception {
        Queue<Integer> q = ctx.queue();
        viaParts(q).put(1);
        assertEquals(1, q.get());

        JoinableQueue<Integer> jq = ctx.joinableQueue();
        JoinableQueue<Integer> jqCopy = viaParts(jq);
        jq.put(2);
        assertEquals(2, jqCopy.get());
        jqCopy.taskDone();
        jq.join();

        SimpleQueue<Integer> sq = ctx.simpleQueue();
        viaParts(sq).put(3);
        assertEquals(3, sq.get());

        Pipe pipe = ctx.pipe();
        Connection end = viaParts(pipe.conn2());
        pipe.conn1().send("hello");
        assertEquals("hello", end.recv());
        end.close();
        pipe.conn1().close();
        pipe.conn2().close();
    }

    @Test
    void aBarrierWithAnActionAndAClosedPipeEndAreLeftToJdkSerialization() throws Exception {
        Barrier b = ctx.barrier(1, HandleFormTest::noAction, Duration.ofSeconds(10));
        codec.register(HandleFormTest.class); // the action's declaring class
        byte[] w = written(b);
        assertEquals(JDK, w[0], "an action is not plain data");
        assertInstanceOf(Barrier.class, read(w));

        Pipe pipe = ctx.pipe();
        pipe.conn2().close();
        SerializationException e = assertThrows(SerializationException.class, () -> written(pipe.conn2()));
        assertTrue(e.getMessage().contains("closed Connection"), e.getMessage());
        pipe.conn1().close();
    }

    static void noAction() {
        // a barrier action
    }

    /** An object that holds handles in fields, as a {@code Process} subclass does (JDK serialization). */
    record Holder(Semaphore semaphore, Lock lock, Lock sameLock, Barrier barrier) implements java.io.Serializable {}

    @Test
    void handlesInsideAnotherObjectTravelAsTheirPartsThroughJdkSerialization() throws Exception {
        codec.register(Holder.class, HandleFormTest.class);
        Semaphore s = ctx.semaphore(0);
        Lock lock = ctx.lock();
        Barrier withAction = ctx.barrier(1, HandleFormTest::noAction, Duration.ofSeconds(10));
        byte[] payload = codec.encodeProcess(new Holder(s, lock, lock, withAction));
        String text = new String(payload, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("HandlePartsRef"), "the semaphore and the lock went as their parts");
        assertTrue(text.contains("org.multiprocessing4j.SharedRef"), "the barrier with an action did not");

        Holder back = (Holder) codec.decodeProcess(payload);
        back.semaphore().release();
        assertTrue(s.tryAcquire(), "the same semaphore");
        assertTrue(back.lock() == back.sameLock(), "one handle object for one lock, as JDK serialization keeps it");
        lock.lock();
        assertFalse(tryLockElsewhere(back.lock()), "the same lock");
        lock.unlock();
        assertEquals(0, back.barrier().await(Duration.ofSeconds(10)));
    }

    @Test
    void malformedPartsAreRefusedWithAClearError() throws Exception {
        byte[] good = HandleParts.get().write(ctx.semaphore(0));
        byte[] badView = good.clone();
        badView[0] = 9;
        assertTrue(assertThrows(IOException.class, () -> HandleParts.get().read(badView)).getMessage().contains("view 9"));

        byte[] badKind = good.clone();
        badKind[1] = 99;
        assertThrows(IOException.class, () -> HandleParts.get().read(badKind));

        byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
        assertTrue(assertThrows(IOException.class, () -> HandleParts.get().read(longer)).getMessage().contains("after it"));

        // a view that does not fit its handle: a SharedLongArray of a semaphore
        byte[] wrongView = good.clone();
        wrongView[0] = 5;
        assertTrue(assertThrows(IOException.class, () -> HandleParts.get().read(wrongView)).getMessage()
                .contains("view 5 of a kind " + SharedRef.SEMAPHORE));
        // a view of the wrong typecode: a SharedLongArray of an array of doubles
        byte[] doubles = HandleParts.get().write(ctx.sharedDoubleArray(1));
        doubles[0] = 5;
        assertThrows(IOException.class, () -> HandleParts.get().read(doubles));

        assertEquals(null, HandleParts.get().write("not a handle"));
    }
}
