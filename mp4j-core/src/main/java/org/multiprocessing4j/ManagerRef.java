package org.multiprocessing4j;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.security.NoSuchAlgorithmException;
import javax.net.ssl.SSLContext;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * The serial form of a manager proxy: where its object lives (address, authkey, typeid, id) and
 * the pin that keeps the object alive until this copy is claimed. Deserialising it connects to
 * the manager (once per process), claims the pin and gives a proxy of the same object. The
 * authkey travels with it, so a proxy passed on keeps working (CPython gh-139801); it travels
 * only inside this library's process and pool payloads, which are readable by the owner only.
 *
 * <p>A TLS manager's proxy reconnects with the receiving process's default {@link SSLContext}.
 */
final class ManagerRef implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String address;
    private final byte[] authkey;
    private final boolean tls;
    private final boolean sharedMemory;
    private final int maxFrame;
    private final String typeid;
    private final long objectId;
    private final String typeName;
    private final long token;

    ManagerRef(String address, byte[] authkey, boolean tls, boolean sharedMemory, int maxFrame, String typeid, long objectId,
            String typeName, long token) {
        this.address = address;
        this.authkey = authkey.clone();
        this.tls = tls;
        this.sharedMemory = sharedMemory;
        this.maxFrame = maxFrame;
        this.typeid = typeid;
        this.objectId = objectId;
        this.typeName = typeName;
        this.token = token;
    }

    @Serial
    private Object readResolve() throws ObjectStreamException {
        if (Codec.resolvingHandle()) {
            return null; // a warm JVM's rehearsal: nothing is connected, claimed or kept
        }
        Codec codec = Codec.decoding() != null ? Codec.decoding() : Multiprocessing.sharedCodec();
        Class<?> type;
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            type = Class.forName(typeName, false, loader != null ? loader : ManagerRef.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ManagerException("a proxy of typeid '" + typeid + "' arrived, but its interface " + typeName
                    + " is not on this process's class path", e);
        }
        if (!type.isInterface()) {
            throw new ManagerException("a proxy of typeid '" + typeid + "' names " + typeName + ", which is not an interface");
        }
        SSLContext context = null;
        if (tls) {
            try {
                context = SSLContext.getDefault();
            } catch (NoSuchAlgorithmException e) {
                throw new ManagerException("no default TLS context to reach the manager at " + address, e);
            }
        }
        ManagerClient client = ManagerClient.of(ManagerWire.parseAddress(address), authkey, context, sharedMemory, codec, maxFrame);
        client.claim(token, objectId);
        return ProxyHandler.proxy(client, typeid, objectId, type, true);
    }

    @Override
    public String toString() {
        return "ManagerRef[" + typeid + " #" + objectId + " at " + address + "]";
    }
}
