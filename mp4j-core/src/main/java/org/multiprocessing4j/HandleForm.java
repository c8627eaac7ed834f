package org.multiprocessing4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectStreamException;
import java.io.Serializable;
import org.multiprocessing4j.internal.codec.HandleParts;
import org.multiprocessing4j.internal.ipc.Transfers;

/**
 * A shared-memory handle as its parts, for process payloads (see {@link HandleParts} for why):
 * the call format's values, and, inside JDK serialization, the parts that stand in for a
 * {@link SharedRef} there. The {@code SharedRef} its {@code writeReplace} gives is written field
 * by field, and read back into the same {@code SharedRef}, resolved as JDK deserialisation
 * resolves it ({@code readResolve}), so that a handle arrives attached exactly as it did before.
 * Writing holds each segment named for the child being started ({@link Transfers#noteSegment}),
 * as JDK serialization's writer does for the refs it writes itself.
 *
 * <pre>
 *   handle := view:int8 | ref
 *             view: 0 the handle itself, 1 SharedInt, 2 SharedLong, 3 SharedDouble (of a Value),
 *                   4 SharedIntArray, 5 SharedLongArray, 6 SharedDoubleArray (of an Array)
 *   ref    := kind:int8 | segment:UTF | lock:int8 (0 none, 1 a ref follows: a Lock or RLock) [ref] | extra
 *   extra  := 0 none | 1 int64 (a Long) | 2 count:int32, int64 x count (a long[])
 * </pre>
 */
final class HandleForm implements HandleParts {
    static {
        HandleParts.install(new HandleForm());
    }

    private static final int NONE = 0;
    private static final int LONG = 1;
    private static final int LONGS = 2;
    /** The most longs an extra carries (a pipe end's: its end and its transfer). */
    private static final int MAX_LONGS = 8;

    private HandleForm() {}

    @Override
    public byte[] write(Object value) {
        int view;
        Object handle;
        switch (value) {
            case SharedInt v -> { view = 1; handle = v.asValue(); }
            case SharedLong v -> { view = 2; handle = v.asValue(); }
            case SharedDouble v -> { view = 3; handle = v.asValue(); }
            case SharedIntArray v -> { view = 4; handle = v.asArray(); }
            case SharedLongArray v -> { view = 5; handle = v.asArray(); }
            case SharedDoubleArray v -> { view = 6; handle = v.asArray(); }
            case null, default -> { view = 0; handle = value; }
        }
        return parts(view, refOf(handle));
    }

    @Override
    public byte[] writeForm(Object serialForm) {
        return parts(0, serialForm instanceof SharedRef ref ? ref : null);
    }

    /** {@code view} and {@code ref} as parts, or null when there is no ref or it is not plain. */
    private static byte[] parts(int view, SharedRef ref) {
        if (ref == null || !plain(ref)) {
            return null;
        }
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
            DataOutputStream out = new DataOutputStream(buf);
            out.writeByte(view);
            writeRef(out, ref);
            out.flush();
            return buf.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
    }

    /**
     * The serial form of a handle, or null when {@code o} is none or refuses to be passed on (a
     * closed pipe end: JDK serialization then reports it). Only the pipe end's replacement has an
     * effect (a transfer counted), and its form is always plain, so it is never replaced twice.
     */
    private static SharedRef refOf(Object o) {
        try {
            Object r = switch (o) {
                case Lock h -> h.writeReplace();
                case RLock h -> h.writeReplace();
                case Semaphore h -> h.writeReplace();
                case Event h -> h.writeReplace();
                case Condition h -> h.writeReplace();
                case Barrier h -> h.writeReplace();
                case Value h -> h.writeReplace();
                case Array h -> h.writeReplace();
                case SharedMemory h -> h.writeReplace();
                case Queue<?> h -> h.writeReplace();
                case SimpleQueue<?> h -> h.writeReplace();
                case Connection h -> h.writeReplace();
                case null, default -> null;
            };
            return r instanceof SharedRef ref ? ref : null;
        } catch (ObjectStreamException e) {
            return null;
        }
    }

    /** Whether {@code ref} holds plain data only: its lock's form too, and an extra of none, a Long or a long[]. */
    private static boolean plain(SharedRef ref) {
        if (ref.lock() != null) {
            SharedRef lock = refOf(ref.lock());
            if (lock == null || lock.lock() != null || !plain(lock)) {
                return false;
            }
        }
        Serializable x = ref.extra();
        return x == null || x instanceof Long || x instanceof long[] a && a.length <= MAX_LONGS;
    }

    /** Writes {@code ref}; holds its segment for the child being started, as JDK serialization's writer does. */
    private static void writeRef(DataOutputStream out, SharedRef ref) throws IOException {
        Transfers.noteSegment(ref.segment());
        out.writeByte(ref.kind());
        out.writeUTF(ref.segment());
        if (ref.lock() == null) {
            out.writeByte(0);
        } else {
            out.writeByte(1);
            writeRef(out, refOf(ref.lock()));
        }
        switch (ref.extra()) {
            case null -> out.writeByte(NONE);
            case Long l -> {
                out.writeByte(LONG);
                out.writeLong(l);
            }
            case long[] a -> {
                out.writeByte(LONGS);
                out.writeInt(a.length);
                for (long l : a) {
                    out.writeLong(l);
                }
            }
            default -> throw new IllegalStateException("not a plain extra: " + ref.extra().getClass().getName());
        }
    }

    @Override
    public Object read(byte[] parts) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(parts));
        int view = in.readByte();
        SharedRef ref = readRef(in, true);
        if (in.available() != 0) {
            throw new IOException("malformed handle: " + in.available() + " bytes after it");
        }
        int viewed = switch (view) {
            case 0 -> ref.kind();
            case 1, 2, 3 -> SharedRef.VALUE;
            case 4, 5, 6 -> SharedRef.ARRAY;
            default -> -1;
        };
        if (viewed != ref.kind()) { // before anything is attached
            throw new IOException("malformed handle: view " + view + " of a kind " + ref.kind() + " handle");
        }
        Object handle = ref.resolve();
        try {
            return switch (view) {
                case 0 -> handle;
                case 1 -> new SharedInt((Value) handle);
                case 2 -> new SharedLong((Value) handle);
                case 3 -> new SharedDouble((Value) handle);
                case 4 -> new SharedIntArray((Array) handle);
                case 5 -> new SharedLongArray((Array) handle);
                case 6 -> new SharedDoubleArray((Array) handle);
                default -> throw new IllegalStateException("view " + view); // checked above
            };
        } catch (IllegalArgumentException e) { // a view's typecode check
            throw new IOException("malformed handle: view " + view + ": " + e.getMessage(), e);
        }
    }

    /** A ref as written; its lock, when it has one, resolved in this process (as readResolve did for the nested ref). */
    private static SharedRef readRef(DataInputStream in, boolean outer) throws IOException {
        int kind = in.readByte();
        String segment = in.readUTF();
        SharedLock lock = null;
        switch (in.readByte()) {
            case 0 -> { }
            case 1 -> {
                if (!outer) {
                    throw new IOException("malformed handle: a lock's lock");
                }
                SharedRef l = readRef(in, false);
                if (l.kind() != SharedRef.LOCK && l.kind() != SharedRef.RLOCK) {
                    throw new IOException("malformed handle: a lock of kind " + l.kind());
                }
                lock = (SharedLock) l.resolve();
            }
            default -> throw new IOException("malformed handle: lock flag");
        }
        Serializable extra = switch (in.readByte()) {
            case NONE -> null;
            case LONG -> in.readLong();
            case LONGS -> {
                int n = in.readInt();
                if (n < 0 || n > MAX_LONGS) {
                    throw new IOException("malformed handle: " + n + " longs");
                }
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.readLong();
                }
                yield a;
            }
            default -> throw new IOException("malformed handle: extra tag");
        };
        try {
            return new SharedRef(kind, segment, lock, extra);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IOException("malformed handle: " + e.getMessage(), e);
        }
    }
}
