package org.multiprocessing4j.internal.codec;

import java.io.Externalizable;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.io.ObjectStreamException;
import java.io.Serial;

/**
 * What {@link BootstrapFormat} writes in place of a shared-memory handle's serial form when
 * {@link HandleParts} covers it: the parts, read back through {@code readResolve} into the handle.
 * A handle in a {@code Process} subclass's field, or inside another object, otherwise arrives as a
 * record through {@code ObjectInputStream}, whose record support builds method-handle chains a
 * cold JVM spins dozens of classes for. Measured (2026-11-25, a spawned child with the AOT cache,
 * {@code -Xlog:class+init}): 38 ms and 33 generated classes from the record's class to the
 * handle's, for a subclass holding a {@code Semaphore}.
 *
 * <p>{@code Externalizable}: its reader calls the public no-argument constructor, then
 * {@link #readExternal}, with no per-field reflection. On the allow-list of every codec.
 */
final class HandlePartsRef implements Externalizable {
    @Serial
    private static final long serialVersionUID = 1L;
    /** Longer parts are malformed: a handle's are a few dozen bytes. */
    private static final int MAX_BYTES = 4096;

    private byte[] parts;

    /** For deserialisation only. */
    public HandlePartsRef() {}

    HandlePartsRef(byte[] parts) {
        this.parts = parts;
    }

    @Override
    public void writeExternal(ObjectOutput out) throws IOException {
        out.writeInt(parts.length);
        out.write(parts);
    }

    @Override
    public void readExternal(ObjectInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_BYTES) {
            throw new InvalidObjectException("malformed handle: " + n + " bytes");
        }
        parts = new byte[n];
        in.readFully(parts);
    }

    @Serial
    private Object readResolve() throws ObjectStreamException {
        try {
            return HandleParts.get().read(parts);
        } catch (IOException e) {
            InvalidObjectException ioe = new InvalidObjectException(e.getMessage());
            ioe.initCause(e);
            throw ioe;
        }
    }
}
