package org.multiprocessing4j.internal.process;

/**
 * The bridge through which this package runs a {@link org.multiprocessing4j.Process} object on
 * the child side without making that machinery public API (the JDK's SharedSecrets pattern).
 * Installed by {@code Process}'s static initialiser.
 */
public interface ProcessAccess {
    /**
     * Makes {@code process} (decoded from {@code spec.payload()}) the current process of this JVM,
     * or of this thread when {@code inThread}, runs it as CPython's {@code _bootstrap} does and
     * returns its exit code.
     */
    int runAsChild(Object process, ChildSpec spec, boolean inThread);

    /**
     * Loads and initialises what {@link #runAsChild} will need (logging, the exit function), so
     * that a warm JVM pays for it while idle. Has no visible effect.
     */
    void rehearse(boolean sharedMemory, boolean managers);

    /** The bytes a child rebuilds {@code process} from ({@link ChildSpec#payload()}). */
    byte[] encodePayload(org.multiprocessing4j.internal.codec.Codec codec, Object process);

    /** Rebuilds a process object from a payload, refusing classes outside the codec's allow-list. */
    Object decodePayload(org.multiprocessing4j.internal.codec.Codec codec, byte[] payload);

    /** Installs the bridge (called once, by {@code Process}). */
    static void install(ProcessAccess access) {
        Holder.access = access;
    }

    /** The bridge, initialising {@code Process} if needed. */
    static ProcessAccess get() {
        if (Holder.access == null) {
            try {
                Class.forName("org.multiprocessing4j.Process", true, ProcessAccess.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return Holder.access;
    }

    /** Holds the installed bridge. */
    final class Holder {
        private static volatile ProcessAccess access;

        private Holder() {}
    }
}
