package org.multiprocessing4j;

import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The objects a {@link Manager}'s server holds for its built-in typeids, and what the server
 * does with results before they travel.
 *
 * <h2>Threads and owners</h2>
 * The server runs every call of one client connection on that connection's own thread, and a
 * client thread has its own connection: so "the server thread" stands for "the client thread"
 * here. Locks record which connection holds them ({@link #HELD}, a list per server thread); when
 * a connection ends, however it ends, its thread releases what the list still holds
 * ({@link #releaseHeld()}).
 *
 * <h2>Interrupts</h2>
 * A blocking call is interrupted when its client goes away. Methods whose interface does not
 * declare {@link InterruptedException} ({@code Lock.lock()}, {@code Map.put} ...) give up with a
 * {@link CancellationException} then; nobody is left to read the answer.
 */
final class ManagedObjects {
    private ManagedObjects() {}

    /** The typeids of {@link Manager}, CPython's names. */
    static final List<String> BUILT_IN = List.of("dict", "list", "Namespace", "Queue", "JoinableQueue", "Lock", "RLock",
            "Semaphore", "BoundedSemaphore", "Condition", "Event", "Barrier", "Value", "Array");

    /** The interface a built-in typeid's proxies implement. */
    static Class<?> builtInInterface(String typeid) {
        return switch (typeid) {
            case "dict" -> Map.class;
            case "list" -> List.class;
            case "Namespace" -> Namespace.class;
            case "Queue" -> java.util.concurrent.BlockingQueue.class;
            case "JoinableQueue" -> JoinableQueueProxy.class;
            case "Lock", "RLock" -> LockProxy.class;
            case "Semaphore", "BoundedSemaphore" -> SemaphoreProxy.class;
            case "Condition" -> ConditionProxy.class;
            case "Event" -> EventProxy.class;
            case "Barrier" -> BarrierProxy.class;
            case "Value" -> ValueProxy.class;
            case "Array" -> ArrayProxy.class;
            default -> throw new IllegalArgumentException("not a built-in typeid: " + typeid);
        };
    }

    /** Makes the object of a built-in typeid from a client's arguments. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Object createBuiltIn(String typeid, Object[] args, ManagerServer server) {
        return switch (typeid) {
            case "dict" -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (args.length > 0 && args[0] != null) {
                    m.putAll((Map<Object, Object>) args[0]);
                }
                yield Collections.synchronizedMap(m);
            }
            case "list" -> {
                List<Object> l = new ArrayList<>();
                if (args.length > 0 && args[0] != null) {
                    l.addAll((Collection<Object>) args[0]);
                }
                yield Collections.synchronizedList(l);
            }
            case "Namespace" -> new ServerNamespace();
            case "Queue", "JoinableQueue" -> new ServerQueue<>(args.length > 0 ? intArg(args[0], "maxsize") : 0);
            case "Lock" -> new ServerLock();
            case "RLock" -> new ServerRLock();
            case "Semaphore" -> new ServerSemaphore(intArg(args[0], "permits"), false);
            case "BoundedSemaphore" -> new ServerSemaphore(intArg(args[0], "permits"), true);
            case "Condition" -> {
                Object lock = args.length > 0 && args[0] != null ? server.referentOf(args[0]) : new ServerRLock();
                if (!(lock instanceof HeldLock h)) {
                    throw new IllegalArgumentException("a Condition needs a Lock or RLock of the same manager, not "
                            + lock.getClass().getName());
                }
                yield new ServerCondition(h);
            }
            case "Event" -> new ServerEvent();
            case "Barrier" -> new ServerBarrier(intArg(args[0], "parties"),
                    args.length > 1 && args[1] != null ? (Duration) args[1] : null);
            case "Value" -> new ServerValue<>(args.length > 0 ? args[0] : null);
            case "Array" -> new ServerArray((Character) args[0], (Object[]) args[1]);
            default -> throw new IllegalArgumentException("not a built-in typeid: " + typeid);
        };
    }

    private static int intArg(Object v, String name) {
        if (!(v instanceof Integer i)) {
            throw new IllegalArgumentException(name + " must be an int, not " + v);
        }
        return i;
    }

    // -----------------------------------------------------------------------------------------
    // Results

    /**
     * What travels back for a method's result: plain values as they are; a collection or map
     * that is a view of the server's object (a {@code keySet()}, {@code subList} ...), or any
     * collection or map that is not a plain top-level {@code java.util} class, as a plain copy
     * (entries as {@link AbstractMap.SimpleImmutableEntry}).
     */
    static Object copyResult(Object r) {
        if (r == null || r instanceof ManagerProxy || isPlain(r.getClass())) {
            return r; // a proxy stays a proxy: it travels as its reference
        }
        if (r instanceof Map.Entry<?, ?> e) {
            return new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue());
        }
        if (r instanceof Map<?, ?> m) {
            synchronized (m) { // a synchronizedMap's own lock: no concurrent change while copying
                return new LinkedHashMap<>(m);
            }
        }
        if (r instanceof Collection<?> c) {
            Object[] items = c.toArray(); // a synchronized collection copies under its lock
            for (int i = 0; i < items.length; i++) {
                if (items[i] instanceof Map.Entry<?, ?> e && !isPlain(e.getClass())) {
                    items[i] = new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue());
                }
            }
            return c instanceof Set ? new LinkedHashSet<>(Arrays.asList(items)) : new ArrayList<>(Arrays.asList(items));
        }
        return r;
    }

    private static boolean isPlain(Class<?> c) {
        if (!(Collection.class.isAssignableFrom(c) || Map.class.isAssignableFrom(c) || Map.Entry.class.isAssignableFrom(c))) {
            return true;
        }
        return c.getPackageName().equals("java.util") && c.getEnclosingClass() == null
                || c == AbstractMap.SimpleImmutableEntry.class || c == AbstractMap.SimpleEntry.class;
    }

    /** The whole object as a plain value ({@link ManagerProxy#copyValue()}). */
    static Object snapshot(Object referent) {
        if (referent instanceof Snapshot s) {
            return s.snapshot();
        }
        if (referent instanceof Map<?, ?> || referent instanceof Collection<?>) {
            Object copy = copyResult(referent);
            return copy == referent && referent instanceof Collection<?> c ? new ArrayList<>(c) : copy;
        }
        return referent;
    }

    /** A referent with its own plain-value form. */
    interface Snapshot {
        Object snapshot();
    }

    // -----------------------------------------------------------------------------------------
    // Locks held by connections

    /** A lock whose holder is released when the holder's connection ends. */
    interface HeldLock {
        /** Releases every hold the current (ending) server thread has. */
        void releaseHeldByCurrent();

        /** A condition on this lock. */
        java.util.concurrent.locks.Condition newServerCondition();
    }

    /** The locks the current server thread (one client connection) holds; a hold per entry. */
    static final ThreadLocal<List<HeldLock>> HELD = ThreadLocal.withInitial(ArrayList::new);

    /** Called by a connection's thread as it ends. */
    static void releaseHeld() {
        List<HeldLock> held = HELD.get();
        for (HeldLock h : new ArrayList<>(new LinkedHashSet<>(held))) {
            try {
                h.releaseHeldByCurrent();
            } catch (RuntimeException e) {
                // a lock another client released meanwhile: nothing left to release
            }
        }
        held.clear();
        HELD.remove();
    }

    private static CancellationException cancelled(InterruptedException e) {
        Thread.currentThread().interrupt();
        CancellationException c = new CancellationException("the client went away while the call waited");
        c.initCause(e);
        return c;
    }

    /**
     * CPython's {@code Lock}: not reentrant, and any thread may release it. The holding connection
     * is recorded so that its end releases it.
     */
    static final class ServerLock implements LockProxy, HeldLock {
        private final Sync sync = new Sync();
        /** The hold list of the connection that holds the lock; null when free. */
        private volatile List<HeldLock> holder;

        private static final class Sync extends AbstractQueuedSynchronizer {
            @Override
            protected boolean tryAcquire(int arg) {
                if (compareAndSetState(0, 1)) {
                    setExclusiveOwnerThread(Thread.currentThread());
                    return true;
                }
                return false;
            }

            @Override
            protected boolean tryRelease(int arg) {
                if (getState() == 0) {
                    throw new IllegalMonitorStateException("release of an unlocked lock");
                }
                setExclusiveOwnerThread(null);
                setState(0);
                return true;
            }

            @Override
            protected boolean isHeldExclusively() {
                return getExclusiveOwnerThread() == Thread.currentThread();
            }

            ConditionObject condition() {
                return new ConditionObject();
            }

            boolean locked() {
                return getState() != 0;
            }
        }

        private void acquired() {
            List<HeldLock> h = HELD.get();
            holder = h;
            h.add(this);
        }

        @Override
        public void lock() {
            try {
                lockInterruptibly();
            } catch (InterruptedException e) {
                throw cancelled(e);
            }
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            sync.acquireInterruptibly(1);
            acquired();
        }

        @Override
        public boolean tryLock() {
            if (sync.tryAcquire(1)) {
                acquired();
                return true;
            }
            return false;
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            if (sync.tryAcquireNanos(1, unit.toNanos(time))) {
                acquired();
                return true;
            }
            return false;
        }

        @Override
        public void unlock() {
            List<HeldLock> h = holder;
            holder = null;
            sync.release(1);
            if (h != null) {
                synchronized (h) {
                    h.remove(this);
                }
            }
        }

        @Override
        public void releaseHeldByCurrent() {
            if (holder == HELD.get() && sync.locked()) {
                unlock();
            }
        }

        @Override
        public java.util.concurrent.locks.Condition newServerCondition() {
            return sync.condition();
        }

        @Override
        public String toString() {
            return "<Lock(owner=" + (sync.locked() ? "held" : "None") + ")>";
        }
    }

    /** CPython's {@code RLock}: reentrant, owned by the client thread (connection) that acquired it. */
    static final class ServerRLock implements LockProxy, HeldLock {
        private final ReentrantLock lock = new ReentrantLock();

        private void acquired() {
            HELD.get().add(this);
        }

        @Override
        public void lock() {
            try {
                lockInterruptibly();
            } catch (InterruptedException e) {
                throw cancelled(e);
            }
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            lock.lockInterruptibly();
            acquired();
        }

        @Override
        public boolean tryLock() {
            if (lock.tryLock()) {
                acquired();
                return true;
            }
            return false;
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            if (lock.tryLock(time, unit)) {
                acquired();
                return true;
            }
            return false;
        }

        @Override
        public void unlock() {
            if (!lock.isHeldByCurrentThread()) {
                throw new IllegalMonitorStateException("cannot release an RLock this client thread does not hold");
            }
            lock.unlock();
            HELD.get().remove(this);
        }

        @Override
        public void releaseHeldByCurrent() {
            while (lock.isHeldByCurrentThread()) {
                lock.unlock();
            }
        }

        @Override
        public java.util.concurrent.locks.Condition newServerCondition() {
            return lock.newCondition();
        }

        @Override
        public String toString() {
            return "<RLock(holds=" + lock.getHoldCount() + ", locked=" + lock.isLocked() + ")>";
        }
    }

    /** A condition over a server lock; the proxy's default methods ({@code waitFor}, {@code hold}) run in the client. */
    static final class ServerCondition implements ConditionProxy {
        private final LockProxy lock;
        private final java.util.concurrent.locks.Condition condition;

        ServerCondition(HeldLock lock) {
            this.lock = (LockProxy) lock;
            this.condition = lock.newServerCondition();
        }

        @Override
        public void lock() {
            lock.lock();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            lock.lockInterruptibly();
        }

        @Override
        public boolean tryLock() {
            return lock.tryLock();
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            return lock.tryLock(time, unit);
        }

        @Override
        public void unlock() {
            lock.unlock();
        }

        @Override
        public void await() throws InterruptedException {
            condition.await();
        }

        @Override
        public void awaitUninterruptibly() {
            try {
                condition.await();
            } catch (InterruptedException e) {
                throw cancelled(e);
            }
        }

        @Override
        public long awaitNanos(long nanosTimeout) throws InterruptedException {
            return condition.awaitNanos(nanosTimeout);
        }

        @Override
        public boolean await(long time, TimeUnit unit) throws InterruptedException {
            return condition.await(time, unit);
        }

        @Override
        public boolean await(Duration timeout) throws InterruptedException {
            return condition.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public boolean awaitUntil(java.util.Date deadline) throws InterruptedException {
            return condition.awaitUntil(deadline);
        }

        @Override
        public void signal() {
            condition.signal();
        }

        @Override
        public void signalAll() {
            condition.signalAll();
        }

        @Override
        public String toString() {
            return "<Condition(" + lock + ")>";
        }
    }

    static final class ServerSemaphore implements SemaphoreProxy {
        private final java.util.concurrent.Semaphore semaphore;
        private final int max;
        private final boolean bounded;

        ServerSemaphore(int permits, boolean bounded) {
            if (permits < 0) {
                throw new IllegalArgumentException("semaphore initial value must be >= 0, not " + permits);
            }
            this.semaphore = new java.util.concurrent.Semaphore(permits, true);
            this.max = permits;
            this.bounded = bounded;
        }

        @Override
        public void acquire() throws InterruptedException {
            semaphore.acquire();
        }

        @Override
        public boolean tryAcquire() {
            return semaphore.tryAcquire();
        }

        @Override
        public boolean tryAcquire(Duration timeout) throws InterruptedException {
            return semaphore.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void release() {
            if (bounded) {
                synchronized (this) { // acquires only lower the count, so the check holds until the release
                    if (semaphore.availablePermits() >= max) {
                        throw new IllegalStateException("BoundedSemaphore released too many times (initial value " + max + ")");
                    }
                    semaphore.release();
                }
            } else {
                semaphore.release();
            }
        }

        @Override
        public int availablePermits() {
            return semaphore.availablePermits();
        }

        @Override
        public String toString() {
            return "<" + (bounded ? "BoundedSemaphore" : "Semaphore") + "(value=" + semaphore.availablePermits() + ")>";
        }
    }

    static final class ServerEvent implements EventProxy {
        private boolean flag;

        @Override
        public synchronized boolean isSet() {
            return flag;
        }

        @Override
        public synchronized void set() {
            flag = true;
            notifyAll();
        }

        @Override
        public synchronized void clear() {
            flag = false;
        }

        @Override
        public synchronized void await() throws InterruptedException {
            while (!flag) {
                wait();
            }
        }

        @Override
        public synchronized boolean await(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!flag) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }

        @Override
        public synchronized String toString() {
            return "<Event(set=" + flag + ")>";
        }
    }

    /** A CyclicBarrier with CPython's abort: broken until the next reset. */
    static final class ServerBarrier implements BarrierProxy {
        private final CyclicBarrier barrier;
        private final Duration defaultTimeout;
        private volatile boolean aborted;

        ServerBarrier(int parties, Duration timeout) {
            if (parties < 1) {
                throw new IllegalArgumentException("a barrier needs at least 1 party, not " + parties);
            }
            this.barrier = new CyclicBarrier(parties);
            this.defaultTimeout = timeout;
        }

        @Override
        public int parties() {
            return barrier.getParties();
        }

        @Override
        public int numberWaiting() {
            return barrier.getNumberWaiting();
        }

        @Override
        public boolean isBroken() {
            return aborted || barrier.isBroken();
        }

        @Override
        public int await() throws InterruptedException, BrokenBarrierException {
            if (defaultTimeout != null) {
                try {
                    return await(defaultTimeout);
                } catch (TimeoutException e) {
                    throw (BrokenBarrierException) new BrokenBarrierException("barrier timed out after " + defaultTimeout).initCause(e);
                }
            }
            if (aborted) {
                throw new BrokenBarrierException("the barrier was aborted");
            }
            return barrier.await();
        }

        @Override
        public int await(Duration timeout) throws InterruptedException, BrokenBarrierException, TimeoutException {
            if (aborted) {
                throw new BrokenBarrierException("the barrier was aborted");
            }
            return barrier.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void reset() {
            aborted = false;
            barrier.reset();
        }

        @Override
        public void abort() {
            aborted = true;
            barrier.reset(); // the parties waiting now get BrokenBarrierException
        }

        @Override
        public String toString() {
            return "<Barrier(parties=" + barrier.getParties() + ", waiting=" + barrier.getNumberWaiting()
                    + ", broken=" + isBroken() + ")>";
        }
    }

    static final class ServerValue<T> implements ValueProxy<T>, Snapshot {
        private T value;

        ServerValue(T value) {
            this.value = value;
        }

        @Override
        public synchronized T get() {
            return value;
        }

        @Override
        public synchronized void set(T value) {
            this.value = value;
        }

        @Override
        public synchronized T updateAndGet(Task1<T, T> update) {
            try {
                value = update.apply(value);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("the update function failed: " + e, e);
            }
            return value;
        }

        @Override
        public synchronized Object snapshot() {
            return value;
        }

        @Override
        public synchronized String toString() {
            return "Value(" + value + ")";
        }
    }

    static final class ServerArray implements ArrayProxy, Snapshot {
        private final TypeCode type;
        private final Number[] items;

        ServerArray(char typecode, Object[] initial) {
            this.type = TypeCode.of(typecode);
            this.items = new Number[initial.length];
            for (int i = 0; i < initial.length; i++) {
                items[i] = convert(initial[i] == null ? 0 : (Number) initial[i]);
            }
        }

        private Number convert(Number n) {
            if (type.isFloatingPoint()) {
                return type.byteSize() == 4 ? (Number) n.floatValue() : (Number) n.doubleValue();
            }
            return switch (type.byteSize()) {
                case 1 -> (Number) n.byteValue();
                case 2 -> (Number) n.shortValue();
                case 4 -> (Number) n.intValue();
                default -> (Number) n.longValue();
            };
        }

        @Override
        public int length() {
            return items.length;
        }

        @Override
        public synchronized Number get(int index) {
            return items[index];
        }

        @Override
        public synchronized void set(int index, Number value) {
            items[index] = convert(value);
        }

        @Override
        public synchronized List<Number> toList() {
            return new ArrayList<>(Arrays.asList(items));
        }

        @Override
        public synchronized Number addAndGet(int index, Number delta) {
            Number now = items[index];
            items[index] = type.isFloatingPoint() ? convert(now.doubleValue() + delta.doubleValue())
                    : convert(now.longValue() + delta.longValue());
            return items[index];
        }

        @Override
        public synchronized Object snapshot() {
            return toList();
        }

        @Override
        public synchronized String toString() {
            return "array('" + type.code() + "', " + Arrays.toString(items) + ")";
        }
    }

    static final class ServerNamespace implements Namespace, Snapshot {
        private final Map<String, Object> attributes = new LinkedHashMap<>();

        @Override
        public synchronized Object get(String name) {
            if (!attributes.containsKey(name)) {
                throw new NoSuchElementException("Namespace has no attribute '" + name + "'");
            }
            return attributes.get(name);
        }

        @Override
        public synchronized void set(String name, Object value) {
            attributes.put(name, value);
        }

        @Override
        public synchronized boolean has(String name) {
            return attributes.containsKey(name);
        }

        @Override
        public synchronized boolean delete(String name) {
            boolean had = attributes.containsKey(name);
            attributes.remove(name);
            return had;
        }

        @Override
        public synchronized Map<String, Object> asMap() {
            return new LinkedHashMap<>(attributes);
        }

        @Override
        public synchronized Object updateAndGet(String name, Task1<Object, Object> update) {
            try {
                Object v = update.apply(attributes.get(name));
                attributes.put(name, v);
                return v;
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("the update function failed: " + e, e);
            }
        }

        @Override
        public synchronized Object snapshot() {
            return asMap();
        }

        @Override
        public synchronized String toString() {
            StringBuilder b = new StringBuilder("Namespace(");
            String sep = "";
            for (Map.Entry<String, Object> e : attributes.entrySet()) {
                b.append(sep).append(e.getKey()).append('=').append(e.getValue());
                sep = ", ";
            }
            return b.append(')').toString();
        }
    }

    /**
     * {@code Queue} and {@code JoinableQueue}: a deque, so that an item whose taker went away
     * before the answer reached it goes back to the head ({@link ManagerServer} does that).
     * Every insertion counts an unfinished task first (a consumer may mark it done before the
     * insertion returns), and uncounts it when the insertion fails.
     */
    static final class ServerQueue<E> extends LinkedBlockingDeque<E> implements JoinableQueueProxy<E>, Snapshot {
        private static final long serialVersionUID = 1L;
        private final Object joinLock = new Object();
        private long unfinished;

        ServerQueue(int maxsize) {
            super(maxsize <= 0 ? Integer.MAX_VALUE : maxsize);
        }

        private void counted(int n) {
            synchronized (joinLock) {
                unfinished += n;
                if (unfinished == 0) {
                    joinLock.notifyAll();
                }
            }
        }

        @Override
        public boolean add(E e) {
            counted(1);
            try {
                return super.add(e);
            } catch (RuntimeException x) {
                counted(-1);
                throw x;
            }
        }

        @Override
        public boolean offer(E e) {
            counted(1);
            boolean ok = false;
            try {
                ok = super.offer(e);
                return ok;
            } finally {
                if (!ok) {
                    counted(-1);
                }
            }
        }

        @Override
        public boolean offer(E e, long timeout, TimeUnit unit) throws InterruptedException {
            counted(1);
            boolean ok = false;
            try {
                ok = super.offer(e, timeout, unit);
                return ok;
            } finally {
                if (!ok) {
                    counted(-1);
                }
            }
        }

        @Override
        public void put(E e) throws InterruptedException {
            counted(1);
            boolean ok = false;
            try {
                super.put(e);
                ok = true;
            } finally {
                if (!ok) {
                    counted(-1);
                }
            }
        }

        @Override
        public boolean addAll(Collection<? extends E> c) {
            boolean changed = false;
            for (E e : c) {
                changed |= add(e);
            }
            return changed;
        }

        /** An item taken for a client that never got it: back to the head, still counted. */
        void giveBack(Object item) {
            @SuppressWarnings("unchecked")
            E e = (E) item;
            if (!super.offerFirst(e)) {
                counted(-1); // full again meanwhile: the item is lost to a bounded queue; say so in the count
            }
        }

        @Override
        public void taskDone() {
            synchronized (joinLock) {
                if (unfinished <= 0) {
                    throw new IllegalStateException("taskDone() called more times than there were items");
                }
                if (--unfinished == 0) {
                    joinLock.notifyAll();
                }
            }
        }

        @Override
        public void join() throws InterruptedException {
            synchronized (joinLock) {
                while (unfinished > 0) {
                    joinLock.wait();
                }
            }
        }

        @Override
        public boolean join(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (joinLock) {
                while (unfinished > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(joinLock, left);
                }
                return true;
            }
        }

        @Override
        public long unfinishedTasks() {
            synchronized (joinLock) {
                return unfinished;
            }
        }

        @Override
        public Object snapshot() {
            return new ArrayList<>(this);
        }
    }
}
