package org.multiprocessing4j;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.lang.ref.Cleaner;
import java.util.Objects;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.Segments;

/**
 * What a shared-memory handle ({@link Lock}, {@link Value} ...) becomes when it is serialised:
 * the kind, the segment's name, the lock it uses (a {@link Condition}'s lock, a {@link Value}'s
 * lock given by the user: itself serialised as its SharedRef, so it arrives attached) and kind-specific
 * extra data (a {@link Barrier}'s action). Deserialising it attaches the segment in the
 * receiving process ({@link #readResolve()}), so handles passed as arguments to a child process
 * work there. This class is on every codec's allow-list; attaching checks the segment's magic,
 * version and kind.
 */
record SharedRef(int kind, String segment, SharedLock lock, Serializable extra)
        implements Serializable, org.multiprocessing4j.internal.ipc.Transfers.SegmentHandle {
    @Serial
    private static final long serialVersionUID = 1L;

    static final int LOCK = 1;
    static final int RLOCK = 2;
    static final int SEMAPHORE = 3;
    static final int BOUNDED_SEMAPHORE = 4;
    static final int EVENT = 5;
    static final int CONDITION = 6;
    static final int BARRIER = 7;
    static final int VALUE = 8;
    static final int ARRAY = 9;
    static final int SHARED_MEMORY = 10;
    static final int PIPE = 11;
    static final int QUEUE = 12;
    static final int JOINABLE_QUEUE = 13;
    static final int SIMPLE_QUEUE = 14;

    /** Detaches segments of handle objects that became unreachable. */
    static final Cleaner CLEANER = Cleaner.create();

    SharedRef {
        Objects.requireNonNull(segment, "segment");
        if (kind < LOCK || kind > SIMPLE_QUEUE) {
            throw new IllegalArgumentException("unknown shared object kind " + kind);
        }
    }

    @Override
    public String segmentName() {
        return segment;
    }

    SharedRef(int kind, String segment) {
        this(kind, segment, null, null);
    }

    @Serial
    private Object readResolve() throws ObjectStreamException {
        return resolve();
    }

    /** The handle object this ref names, attached in this process. */
    Object resolve() {
        if (org.multiprocessing4j.internal.codec.Codec.resolvingHandle() && kind >= PIPE) {
            return null; // a rehearsal only loads classes: it must not count as a holder of a pipe end
        }
        return switch (kind) {
            case LOCK -> new Lock(this);
            case RLOCK -> extra instanceof Long offset ? RLock.embedded(this, offset) : new RLock(this);
            case SEMAPHORE -> new Semaphore(this);
            case BOUNDED_SEMAPHORE -> new BoundedSemaphore(this);
            case EVENT -> new Event(this);
            case CONDITION -> new Condition(this);
            case BARRIER -> new Barrier(this);
            case VALUE -> new Value(this);
            case ARRAY -> new Array(this);
            case SHARED_MEMORY -> new SharedMemory(this);
            case PIPE -> Connection.resolve(this, messageCodec());
            case QUEUE -> new Queue<>(this, messageCodec());
            case JOINABLE_QUEUE -> new JoinableQueue<>(this, messageCodec());
            case SIMPLE_QUEUE -> new SimpleQueue<>(this, messageCodec());
            default -> throw new IllegalStateException("unknown shared object kind " + kind);
        };
    }

    /** The codec for the messages of a queue or pipe arriving here: that of the payload it arrived in. */
    private static org.multiprocessing4j.internal.codec.Codec messageCodec() {
        org.multiprocessing4j.internal.codec.Codec c = org.multiprocessing4j.internal.codec.Codec.decoding();
        return c != null ? c : Multiprocessing.sharedCodec();
    }

    /** Counts {@code owner} as a user of {@code segment} until {@code owner} becomes unreachable. */
    static Cleaner.Cleanable track(Object owner, Segment segment) {
        return CLEANER.register(owner, () -> Segments.release(segment));
    }

    /** As {@link #track(Object, Segment)}, running {@code beforeRelease} first (it must not refer to {@code owner}). */
    static void track(Object owner, Segment segment, Runnable beforeRelease) {
        CLEANER.register(owner, () -> {
            try {
                beforeRelease.run();
            } finally {
                Segments.release(segment);
            }
        });
    }

    /** Attaches the segment this ref names (one more user in this process). */
    Segment attach() {
        return Segments.attach(segment, kind);
    }
}
