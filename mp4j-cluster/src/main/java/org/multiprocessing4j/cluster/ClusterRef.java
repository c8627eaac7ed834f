package org.multiprocessing4j.cluster;

import java.io.Serial;
import java.io.Serializable;

/**
 * The serial form of every cluster object: its kind and name (and, for a condition, its lock's
 * name). It travels inside values and pool tasks and becomes the object again on the receiving
 * side, bound to that side's Hazelcast instance ({@link Grid#decoding()}): nothing but names
 * crosses, so receiving one attaches to an existing cluster object and builds nothing else.
 */
final class ClusterRef implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    static final String QUEUE = "queue";
    static final String JOINABLE_QUEUE = "joinableQueue";
    static final String DICT = "dict";
    static final String LIST = "list";
    static final String NAMESPACE = "namespace";
    static final String VALUE = "value";
    static final String LOCK = "lock";
    static final String RLOCK = "rlock";
    static final String SEMAPHORE = "semaphore";
    static final String EVENT = "event";
    static final String CONDITION = "condition";
    static final String BARRIER = "barrier";

    private final String kind;
    private final String name;
    private final String lockName;
    private final boolean reentrantLock;

    ClusterRef(String kind, String name) {
        this(kind, name, null, false);
    }

    ClusterRef(String kind, String name, String lockName, boolean reentrantLock) {
        this.kind = kind;
        this.name = name;
        this.lockName = lockName;
        this.reentrantLock = reentrantLock;
    }

    @Serial
    private Object readResolve() {
        org.multiprocessing4j.internal.codec.Codec.resolvingHandle(); // a rehearsal's value holding one is not a plain copy
        Grid g = Grid.decoding();
        return switch (kind) {
            case QUEUE -> new ClusterQueue<>(g, name);
            case JOINABLE_QUEUE -> new ClusterJoinableQueue<>(g, name);
            case DICT -> new ClusterDict<>(g, name);
            case LIST -> new ClusterList<>(g, name);
            case NAMESPACE -> new ClusterNamespace(g, name);
            case VALUE -> new ClusterValue<>(g, name);
            case LOCK -> new ClusterLock(g, name, false);
            case RLOCK -> new ClusterLock(g, name, true);
            case SEMAPHORE -> new ClusterSemaphore(g, name);
            case EVENT -> new ClusterEvent(g, name);
            case CONDITION -> new ClusterCondition(g, name, new ClusterLock(g, lockName, reentrantLock));
            case BARRIER -> new ClusterBarrier(g, name);
            default -> throw new IllegalArgumentException("unknown cluster object kind '" + kind + "'");
        };
    }

    @Override
    public String toString() {
        return kind + " '" + name + "'";
    }
}
