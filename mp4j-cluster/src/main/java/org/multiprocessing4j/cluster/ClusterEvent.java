package org.multiprocessing4j.cluster;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import org.multiprocessing4j.EventProxy;

/** An event in the cluster: a flag {@code [0|1]} under {@code event:NAME} in {@link Grid#SYNC}. */
final class ClusterEvent implements EventProxy, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Grid grid;
    private final String name;
    private final transient String key;

    ClusterEvent(Grid grid, String name) {
        this.grid = grid;
        this.name = name;
        this.key = "event:" + name;
    }

    ClusterEvent init() {
        grid.initSync(key, new long[] {0});
        return this;
    }

    @Override
    public boolean isSet() {
        return grid.state(key)[0] != 0;
    }

    @Override
    public void set() {
        flag(1);
    }

    @Override
    public void clear() {
        flag(0);
    }

    private void flag(long v) {
        grid.syncOp(key, Ops.Sync.EVENT_SET, v);
    }

    @Override
    public void await() throws InterruptedException {
        grid.awaitChange(this::isSet, Long.MAX_VALUE);
    }

    @Override
    public boolean await(Duration timeout) throws InterruptedException {
        return grid.awaitChange(this::isSet, Grid.deadline(timeout));
    }

    @Override
    public String toString() {
        return "Event('" + name + "', " + (isSet() ? "set" : "clear") + ")";
    }

    String name() {
        return name;
    }

    @Serial
    Object writeReplace() {
        return new ClusterRef(ClusterRef.EVENT, name);
    }
}
