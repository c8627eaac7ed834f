package org.multiprocessing4j.internal.ipc;

import java.util.ArrayList;
import java.util.List;
import org.multiprocessing4j.internal.shm.Liveness;

/**
 * Pipe ends in transit to a child process being started: {@code Process.start()} opens a
 * transfer around encoding the child's payload, and once the child exists hands every end
 * serialised meanwhile to the child's pid (see {@link Holders}). Per thread, since a start
 * encodes and launches on the calling thread.
 */
public final class Transfers {
    private record Reservation(Holders holders, long token) {}

    private static final ThreadLocal<List<Reservation>> OPEN = new ThreadLocal<>();

    private Transfers() {}

    /** Starts collecting the reservations made by this thread. */
    public static void begin() {
        OPEN.set(new ArrayList<>());
    }

    static void note(Holders holders, long token) {
        List<Reservation> l = OPEN.get();
        if (l != null) {
            l.add(new Reservation(holders, token));
        }
    }

    /** The child {@code pid} exists: its reservations are now its own. Ends the transfer. */
    public static void handOver(long pid) {
        List<Reservation> l = OPEN.get();
        OPEN.remove();
        if (l == null || l.isEmpty()) {
            return;
        }
        long start = Liveness.startOf((int) pid);
        for (Reservation r : l) {
            r.holders().handOver(r.token(), (int) pid, start);
        }
    }

    /** The child was not started: drops the reservations. Ends the transfer. */
    public static void cancel() {
        List<Reservation> l = OPEN.get();
        OPEN.remove();
        if (l != null) {
            for (Reservation r : l) {
                r.holders().cancel(r.token());
            }
        }
    }
}
