package org.multiprocessing4j.internal.ipc;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import org.multiprocessing4j.internal.shm.Liveness;
import org.multiprocessing4j.internal.shm.Mutex;
import org.multiprocessing4j.internal.shm.Segment;

/**
 * Which processes hold one end of a pipe: the table that turns "every process holding the other
 * end has closed it or died" into an end of stream within a wait slice (CPython gets this from
 * the kernel's file descriptors; shared memory needs it written down).
 *
 * <h2>Layout ({@link #BYTES} bytes at an 8-aligned offset)</h2>
 * <pre>
 *  offset  field              access
 *    0     mutex (32)         guards the slots (robust: a process killed holding it is replaced)
 *   32     live int           slots in use; getVolatile by senders (0: nobody can read), written under the mutex
 *   64     slots[SLOTS]       24 bytes each, under the mutex:
 *            0 token long       0: free; else the slot's random id
 *            8 pid int          the holder, or the sender of an end in transit
 *           12 inTransit int    1: reserved for a receiver that has not attached yet
 *           16 start long       the holder's start time (see Liveness)
 * </pre>
 * A process holds one slot per end however many handle objects it has (counted here, per
 * process). Passing an end to another process reserves a slot before the bytes leave (so the end
 * never looks unheld while in transit); the receiver takes the reservation over when it
 * deserialises the end. {@link Transfers} hands reservations made for a child process to the
 * child's pid as soon as it exists, so a child that dies before attaching does not keep the end
 * open; a reservation made otherwise (an end sent through a queue) counts as its sender until
 * received.
 */
final class Holders {
    static final int SLOTS = 64;
    static final int BYTES = 64 + SLOTS * 24;
    private static final long LIVE = 32;
    private static final long SLOT0 = 64;
    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Handle objects of this process per end ("segment/end"). Guarded by itself. */
    private static final Map<String, int[]> LOCAL = new HashMap<>();

    private final MemorySegment mem;
    private final long base;
    private final Mutex mutex;
    private final String key;

    Holders(Segment s, long base, String key) {
        this.mem = s.payload();
        this.base = base;
        this.mutex = new Mutex(s, base);
        this.key = key;
    }

    /** One more handle object of this process on the end; the first one takes a slot (or {@code token}'s reservation). */
    void open(long token) {
        synchronized (LOCAL) {
            int[] n = LOCAL.computeIfAbsent(key, k -> new int[1]);
            locked(() -> {
                int mine = find(Liveness.PID, false);
                int reserved = token != 0 ? findToken(token) : -1;
                if (mine >= 0 || n[0] > 0) {
                    if (reserved >= 0) {
                        free(reserved); // this process holds the end already
                    }
                    if (mine < 0) {
                        claim(freeSlot(), Liveness.PID, Liveness.START, false);
                    }
                } else if (reserved >= 0) {
                    claim(reserved, Liveness.PID, Liveness.START, false);
                } else {
                    claim(freeSlot(), Liveness.PID, Liveness.START, false);
                }
                return null;
            });
            n[0]++;
        }
    }

    /** One handle object fewer; the last one frees this process's slot. */
    void close() {
        synchronized (LOCAL) {
            int[] n = LOCAL.get(key);
            if (n == null || n[0] == 0) {
                return;
            }
            if (--n[0] == 0) {
                LOCAL.remove(key);
                locked(() -> {
                    int mine = find(Liveness.PID, false);
                    if (mine >= 0) {
                        free(mine);
                    }
                    return null;
                });
            }
        }
    }

    /** Reserves a slot for a receiver of this end; returns its token. */
    long reserve() {
        long token = RANDOM.nextLong() | 1;
        locked(() -> {
            claim(freeSlot(), Liveness.PID, Liveness.START, true);
            mem.set(JAVA_LONG, slot(lastClaimed), token);
            return null;
        });
        return token;
    }

    /** Gives a reservation that is still in transit to process {@code pid} (started at {@code start}). */
    void handOver(long token, int pid, long start) {
        locked(() -> {
            int i = findToken(token);
            if (i >= 0 && mem.get(JAVA_INT, slot(i) + 12) == 1) {
                mem.set(JAVA_INT, slot(i) + 8, pid);
                mem.set(JAVA_LONG, slot(i) + 16, start);
            }
            return null;
        });
    }

    /** Drops a reservation that will never be received. */
    void cancel(long token) {
        locked(() -> {
            int i = findToken(token);
            if (i >= 0 && mem.get(JAVA_INT, slot(i) + 12) == 1) {
                free(i);
            }
            return null;
        });
    }

    /** True when no slot is in use (cheap: one volatile load). */
    boolean noneLive() {
        return (int) INT.getVolatile(mem, base + LIVE) == 0;
    }

    /** True when some holder (or sender of an end in transit) is alive; frees the slots of dead ones. */
    boolean anyAlive() {
        if (noneLive()) {
            return false;
        }
        return locked(() -> {
            boolean alive = false;
            for (int i = 0; i < SLOTS; i++) {
                long at = slot(i);
                if (mem.get(JAVA_LONG, at) == 0) {
                    continue;
                }
                int pid = mem.get(JAVA_INT, at + 8);
                if (Liveness.isAlive(pid, mem.get(JAVA_LONG, at + 16))) {
                    alive = true;
                } else {
                    free(i);
                }
            }
            return alive;
        });
    }

    // ---------------------------------------------------------------- under the mutex

    private int lastClaimed;

    private long slot(int i) {
        return base + SLOT0 + i * 24L;
    }

    private int find(int pid, boolean inTransit) {
        for (int i = 0; i < SLOTS; i++) {
            long at = slot(i);
            if (mem.get(JAVA_LONG, at) != 0 && mem.get(JAVA_INT, at + 8) == pid
                    && (mem.get(JAVA_INT, at + 12) == 1) == inTransit) {
                return i;
            }
        }
        return -1;
    }

    private int findToken(long token) {
        for (int i = 0; i < SLOTS; i++) {
            if (mem.get(JAVA_LONG, slot(i)) == token) {
                return i;
            }
        }
        return -1;
    }

    private int freeSlot() {
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < SLOTS; i++) {
                if (mem.get(JAVA_LONG, slot(i)) == 0) {
                    return i;
                }
            }
            // full: drop the slots of dead processes and look again
            for (int i = 0; i < SLOTS; i++) {
                long at = slot(i);
                if (!Liveness.isAlive(mem.get(JAVA_INT, at + 8), mem.get(JAVA_LONG, at + 16))) {
                    free(i);
                }
            }
        }
        throw new IllegalStateException("more than " + SLOTS + " processes hold one end of this pipe");
    }

    private void claim(int i, int pid, long start, boolean inTransit) {
        long at = slot(i);
        boolean wasFree = mem.get(JAVA_LONG, at) == 0;
        mem.set(JAVA_INT, at + 8, pid);
        mem.set(JAVA_INT, at + 12, inTransit ? 1 : 0);
        mem.set(JAVA_LONG, at + 16, start);
        if (wasFree) {
            mem.set(JAVA_LONG, at, RANDOM.nextLong() | 1);
            INT.getAndAdd(mem, base + LIVE, 1);
        }
        lastClaimed = i;
    }

    private void free(int i) {
        long at = slot(i);
        if (mem.get(JAVA_LONG, at) != 0) {
            mem.set(JAVA_LONG, at, 0L);
            INT.getAndAdd(mem, base + LIVE, -1);
        }
    }

    private <T> T locked(java.util.function.Supplier<T> body) {
        try {
            mutex.acquire(-1, false);
        } catch (InterruptedException e) {
            throw new AssertionError(e); // not interruptible
        }
        try {
            return body.get();
        } finally {
            mutex.release();
        }
    }
}
