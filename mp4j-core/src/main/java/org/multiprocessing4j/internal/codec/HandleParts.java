package org.multiprocessing4j.internal.codec;

/**
 * The bridge through which {@link CallFormat} writes a shared-memory handle (a queue, a lock, a
 * value, a pipe end ...) as its parts, a kind and a segment name, instead of through JDK
 * serialization, without making the handles' serial form public API (the JDK's SharedSecrets
 * pattern). Installed by {@code org.multiprocessing4j.HandleForm}'s static initialiser.
 *
 * <h2>Why</h2>
 * A handle's serial form is a record with {@code readResolve}, and the typed views
 * ({@code SharedLongArray} ...) have a {@code readObject}: read through {@code ObjectInputStream}
 * in a cold JVM, they build serialisation constructors and record constructors from method
 * handles, dozens of classes generated at run time that no AOT cache holds. Measured (2026-11-25,
 * a spawned child with the AOT cache, {@code -Xlog:class+init}): 32 ms from the decode's start to
 * the handle's class for a {@code Semaphore}, 60 ms for a {@code SharedLongArray}, against an
 * empty target's start of about 90 ms in all.
 *
 * <h2>What it covers</h2>
 * The handles whose serial form holds plain data only: a kind, a segment name, at most one lock
 * (itself such a handle) and an extra that is nothing, a {@code Long} or a {@code long[]}; and the
 * typed views of values and arrays. Anything else (a {@code Barrier} with an action, a closed
 * pipe end, which must fail as it does in JDK serialization) is left to {@link BootstrapFormat}.
 * Inside {@link BootstrapFormat} (a handle in a {@code Process} subclass's field, or inside
 * another object) a covered serial form travels as the same parts in a {@link HandlePartsRef}.
 */
public interface HandleParts {
    /**
     * The parts of {@code value} when it is a handle this form covers, else null. May have the
     * effects of the handle's {@code writeReplace} (a pipe end counts one more transfer) only
     * when it returns bytes: a handle that it leaves to JDK serialization is replaced there again.
     */
    byte[] write(Object value);

    /**
     * The parts of a handle's serial form ({@code writeReplace}'s result, as JDK serialization
     * meets it) when this form covers it, else null. Holds the segments it names for the child
     * being started, as {@link #write} does.
     */
    byte[] writeForm(Object serialForm);

    /**
     * The handle {@code parts} name, attached in this process as the JDK deserialisation of its
     * serial form would attach it (the same rehearsal rules, see {@link Codec#rehearse}).
     *
     * @throws java.io.IOException when the bytes are malformed
     */
    Object read(byte[] parts) throws java.io.IOException;

    /** Installs the bridge (called once, by {@code HandleForm}). */
    static void install(HandleParts parts) {
        Holder.parts = parts;
    }

    /** The bridge, initialising {@code HandleForm} if needed. */
    static HandleParts get() {
        HandleParts p = Holder.parts;
        if (p == null) {
            try {
                Class.forName("org.multiprocessing4j.HandleForm", true, HandleParts.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            p = Holder.parts;
        }
        return p;
    }

    /** Holds the installed bridge. */
    final class Holder {
        private static volatile HandleParts parts;

        private Holder() {}
    }
}
