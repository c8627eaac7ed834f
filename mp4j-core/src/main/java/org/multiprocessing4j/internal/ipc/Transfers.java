package org.multiprocessing4j.internal.ipc;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.multiprocessing4j.internal.shm.Liveness;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * What is in transit to a child process being started: {@code Process.start()} opens a transfer
 * around encoding the child's payload, and once the child exists hands it over. Per thread, since
 * a start encodes and launches on the calling thread.
 *
 * <ul>
 *   <li>Pipe ends serialised meanwhile are reserved in their holder tables and handed to the
 *       child's pid (see {@link Holders}), so a parent that closes its copy right after
 *       {@code start()} does not end the stream for the child.
 *   <li>Every shared-memory segment named in the payload ({@link SegmentHandle}) is held by this
 *       process until the child has ended: without it, a parent that closed or dropped its
 *       handles right after {@code start()} was the last user and removed the segment before the
 *       child attached it (found by the pipe demo of seed 003, which closes both ends at once).
 * </ul>
 */
public final class Transfers {
    /** A serialised handle that names a shared-memory segment. */
    public interface SegmentHandle {
        String segmentName();
    }

    private record Reservation(Holders holders, long token) {}

    private static final class Open {
        final List<Reservation> reservations = new ArrayList<>();
        final List<Segment> segments = new ArrayList<>();
    }

    private static final ThreadLocal<Open> OPEN = new ThreadLocal<>();

    private Transfers() {}

    /** Starts collecting what this thread serialises for a child. */
    public static void begin() {
        OPEN.set(new Open());
    }

    /**
     * Runs {@code encoding} with this thread's open transfer set aside: for what the thread
     * serialises to someone other than the child being started (a manager connection's pipe end,
     * opened while a payload that holds a proxy is encoded, goes to the manager, not the child).
     */
    public static void aside(Runnable encoding) {
        Open o = OPEN.get();
        OPEN.remove();
        try {
            encoding.run();
        } finally {
            if (o != null) {
                OPEN.set(o);
            }
        }
    }

    static void note(Holders holders, long token) {
        Open o = OPEN.get();
        if (o != null) {
            o.reservations.add(new Reservation(holders, token));
        }
    }

    /** A handle of segment {@code name} is being serialised: holds the segment for the child. */
    public static void noteSegment(String name) {
        Open o = OPEN.get();
        if (o == null) {
            return;
        }
        Segment s = Segments.retain(name);
        if (s != null) {
            o.segments.add(s);
        }
    }

    /**
     * The child {@code pid} exists: its reservations are now its own, and the segments are let go
     * of by the action given to {@code atChildExit}. Ends the transfer.
     */
    public static void handOver(long pid, Consumer<Runnable> atChildExit) {
        Open o = OPEN.get();
        OPEN.remove();
        if (o == null) {
            return;
        }
        if (!o.reservations.isEmpty()) {
            long start = Liveness.startOf((int) pid);
            for (Reservation r : o.reservations) {
                r.holders().handOver(r.token(), (int) pid, start);
            }
        }
        if (!o.segments.isEmpty()) {
            atChildExit.accept(() -> o.segments.forEach(Segments::release));
        }
    }

    /** The child was not started: drops the reservations and the holds. Ends the transfer. */
    public static void cancel() {
        Open o = OPEN.get();
        OPEN.remove();
        if (o != null) {
            for (Reservation r : o.reservations) {
                r.holders().cancel(r.token());
            }
            o.segments.forEach(Segments::release);
        }
    }
}
