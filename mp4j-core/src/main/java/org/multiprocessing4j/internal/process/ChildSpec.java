package org.multiprocessing4j.internal.process;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a child needs to become the process its parent created: CPython's "preparation
 * data" plus the pickled process object, in one RUN frame.
 *
 * <p>Wire form (big-endian, {@link DataOutputStream}): startMethod UTF, name UTF, identity
 * (int count, ints), daemon boolean, parentPid long, parentName UTF, logLevel UTF ("" = logging
 * off), backendLogFloor UTF, authkey (int length, bytes), generation int, registry (int count, UTF names), payload
 * (int length, bytes). The payload is the process object encoded by the codec built from the
 * registry; everything before it is plain data so that a child can build that codec first.
 *
 * @param startMethod the start method of the parent's context (the child's default)
 * @param name the process name, e.g. {@code Process-1}
 * @param identity the path of child numbers from the main process, e.g. {@code [1, 2]}
 * @param daemon whether the process is daemonic
 * @param parentPid the pid of the process that started it
 * @param parentName the name of the process that started it
 * @param logLevel the {@code logToStderr} level in force in the parent, or "" for none
 * @param backendLogFloor the lowest level the parent's logging backend takes from the library
 *     ({@code OFF} for none), so that a child need not start its backend to drop a message
 * @param authkey the parent's authentication key, inherited as in CPython
 * @param generation the codec generation of {@code registry}
 * @param registry the allow-list, in registration order
 * @param payload the encoded process object
 */
public record ChildSpec(
        String startMethod,
        String name,
        int[] identity,
        boolean daemon,
        long parentPid,
        String parentName,
        String logLevel,
        String backendLogFloor,
        byte[] authkey,
        int generation,
        List<String> registry,
        byte[] payload) {

    /** Writes this spec's body (without frame header). */
    public void writeTo(DataOutputStream out) throws IOException {
        out.writeUTF(startMethod);
        out.writeUTF(name);
        out.writeInt(identity.length);
        for (int i : identity) {
            out.writeInt(i);
        }
        out.writeBoolean(daemon);
        out.writeLong(parentPid);
        out.writeUTF(parentName);
        out.writeUTF(logLevel);
        out.writeUTF(backendLogFloor);
        out.writeInt(authkey.length);
        out.write(authkey);
        writeRegistry(out, generation, registry);
        out.writeInt(payload.length);
        out.write(payload);
    }

    /** Reads a body written by {@link #writeTo}. */
    public static ChildSpec readFrom(DataInputStream in) throws IOException {
        String startMethod = in.readUTF();
        String name = in.readUTF();
        int[] identity = new int[checkedLength(in.readInt(), 1 << 10)];
        for (int i = 0; i < identity.length; i++) {
            identity[i] = in.readInt();
        }
        boolean daemon = in.readBoolean();
        long parentPid = in.readLong();
        String parentName = in.readUTF();
        String logLevel = in.readUTF();
        String backendLogFloor = in.readUTF();
        byte[] authkey = new byte[checkedLength(in.readInt(), 1 << 16)];
        in.readFully(authkey);
        int generation = in.readInt();
        List<String> registry = readRegistryNames(in);
        byte[] payload = new byte[checkedLength(in.readInt(), Integer.MAX_VALUE - 8)];
        in.readFully(payload);
        return new ChildSpec(startMethod, name, identity, daemon, parentPid, parentName, logLevel, backendLogFloor, authkey,
                generation, registry, payload);
    }

    static void writeRegistry(DataOutputStream out, int generation, List<String> registry) throws IOException {
        out.writeInt(generation);
        out.writeInt(registry.size());
        for (String s : registry) {
            out.writeUTF(s);
        }
    }

    static List<String> readRegistryNames(DataInputStream in) throws IOException {
        int n = checkedLength(in.readInt(), 1 << 20);
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            names.add(in.readUTF());
        }
        return List.copyOf(names);
    }

    static int checkedLength(int n, int max) throws IOException {
        if (n < 0 || n > max) {
            throw new IOException("malformed control frame: length " + n + " outside [0, " + max + "]");
        }
        return n;
    }
}
