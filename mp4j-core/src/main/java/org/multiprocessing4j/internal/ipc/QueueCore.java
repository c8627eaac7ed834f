package org.multiprocessing4j.internal.ipc;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.multiprocessing4j.internal.codec.Codec;
import org.multiprocessing4j.internal.shm.Pages;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * The shared part of {@code Queue}, {@code SimpleQueue} and {@code JoinableQueue}: one segment
 * holding one {@link Ring} whose data area starts at the first page boundary.
 *
 * <h2>Segment layout (payload)</h2>
 * <pre>
 *  0                   ring control block (Ring.CONTROL_BYTES)
 *  4096 - 64           data area (page-aligned in memory: the payload starts 64 bytes into the file)
 * </pre>
 * The data area is large and sparse: {@link #CAPACITY} bytes of file, of which only the ring's
 * dense zone ({@link #DENSE}, allocated at creation and reused for the queue's life) and the pages
 * holding unconsumed messages beyond it take memory ({@link Ring#GIVE_BACK}). So an unbounded
 * queue's {@code put} does not block until {@code /dev/shm} itself is full, and memory taken by a
 * burst is returned once the burst is consumed.
 */
public final class QueueCore {
    /** Offset of the data area in the payload. */
    static final long DATA = Pages.SIZE - Segment.HEADER_BYTES;
    /**
     * Capacity of a queue's data area: the largest power of two not above the size of the
     * shared-memory file system (at least 4 MiB, at most 1 TiB); {@code -Dmp4j.queue.capacity}
     * overrides it.
     */
    public static final long CAPACITY = capacity();
    /**
     * The bytes at the start of each lap of a queue's ring that it keeps for its whole life and
     * that its producers come back to while the consumers keep up ({@link Ring#denseZone}: 4 MiB
     * with a {@code /dev/shm} of 256 MiB or more, a 64th of it below, none below 64 MiB). Its
     * creator allocates them at once, as a Java ring buffer's constructor allocates its array.
     */
    public static final long DENSE = Ring.denseZone(CAPACITY);

    private final Segment segment;
    private final Ring ring;
    private final Codec codec;
    private final Ring.Sink<Decoded> decoder;

    private QueueCore(Segment segment, Ring ring, Codec codec) {
        this.segment = segment;
        this.ring = ring;
        this.codec = codec;
        this.decoder = (src, at, len, flags) -> new Decoded(Wire.decode(src, at, len, codec));
    }

    private static long capacity() {
        long c = Long.getLong("mp4j.queue.capacity", 0);
        if (c <= 0) {
            try {
                c = Files.getFileStore(Segments.DIR).getTotalSpace();
            } catch (IOException e) {
                c = 1L << 30;
            }
        }
        c = Math.min(Math.max(c, 4L << 20), 1L << 40);
        return Long.highestOneBit(c);
    }

    /** A new queue; {@code maxMessages} 0 for no limit. */
    public static QueueCore create(int kind, long maxMessages, Codec codec) {
        Segment s = Segments.create(kind, DATA + CAPACITY);
        Ring r = Ring.create(s, 0, DATA, CAPACITY, maxMessages, Ring.GIVE_BACK);
        if (DENSE > 0) {
            Pages.populate(s.address(DATA), DENSE); // best effort: else taken at the first writes
        }
        return new QueueCore(s, r, codec);
    }

    /** The queue of an attached segment. */
    public static QueueCore attach(Segment s, Codec codec) {
        return new QueueCore(s, Ring.attach(s, 0, DATA), codec);
    }

    public Segment segment() {
        return segment;
    }

    public Codec codec() {
        return codec;
    }

    /** The message of {@code value} (fails here, in the caller, when it cannot be serialised). */
    public Wire.Message encode(Object value) {
        return Wire.encode(value, codec);
    }

    /**
     * Puts an encoded message; false when the deadline passed first.
     *
     * @param deadline {@link System#nanoTime()} deadline, {@link Long#MAX_VALUE} for none
     */
    public boolean put(Wire.Message message, long deadline, boolean interruptible) throws InterruptedException {
        try {
            return ring.put(message, message.length(), 0, deadline, interruptible, null);
        } catch (Ring.PeerGone e) {
            throw new AssertionError("queues have no peer check", e);
        }
    }

    /** Takes the next message; {@link Ring#TIMED_OUT} when the deadline passed first. */
    public Object take(long deadline, boolean interruptible) throws InterruptedException {
        return take(true, deadline, interruptible);
    }

    /** The next message without taking it, or {@link Ring#TIMED_OUT} when there is none now. */
    public Object peek() {
        try {
            return take(false, System.nanoTime(), false);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private Object take(boolean consume, long deadline, boolean interruptible) throws InterruptedException {
        try {
            return ring.take(decoder, consume, deadline, interruptible, null) instanceof Decoded d ? d.value() : Ring.TIMED_OUT;
        } catch (Ring.PeerGone e) {
            throw new AssertionError("queues have no peer check", e);
        }
    }

    /** A message as taken (may be null). */
    private record Decoded(Object value) {}

    /** Messages waiting now, oldest first. */
    public List<Object> snapshot() throws InterruptedException {
        List<Object> out = new ArrayList<>();
        ring.scan((src, at, len, flags) -> {
            out.add(Wire.decode(src, at, len, codec));
            return false;
        }, false);
        return out;
    }

    /** Removes the first waiting message that {@code match} accepts; true when one was removed. */
    public boolean removeFirst(Predicate<Object> match) throws InterruptedException {
        boolean[] removed = {false};
        ring.scan((src, at, len, flags) -> {
            if (!removed[0] && match.test(Wire.decode(src, at, len, codec))) {
                removed[0] = true;
                return true;
            }
            return false;
        }, true);
        return removed[0];
    }

    public long size() {
        return ring.size();
    }

    public long maxMessages() {
        return ring.maxMessages();
    }

    /** JoinableQueue: one task done; false when called more often than messages were put. */
    public boolean taskDone() {
        return ring.taskDone();
    }

    public long unfinished() {
        return ring.unfinished();
    }

    public boolean join(long deadline) throws InterruptedException {
        return ring.join(deadline);
    }
}
