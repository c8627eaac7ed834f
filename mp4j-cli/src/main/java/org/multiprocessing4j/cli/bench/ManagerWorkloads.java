package org.multiprocessing4j.cli.bench;

import static org.multiprocessing4j.cli.bench.SyncWorkloads.check;
import static org.multiprocessing4j.cli.bench.SyncWorkloads.runGroup;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import org.multiprocessing4j.Manager;
import org.multiprocessing4j.ManagerProxy;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.SharedLongArray;

/**
 * {@code manager_dict_ops} and {@code manager_queue} of the anchor's README, on this library's
 * {@link Manager}: a child process calls a dict proxy (set then get, on 100 keys) or a queue
 * proxy (put then get) N times. As in the anchor, the manager is started before timing, the
 * child connects untimed (its first call), each repeat is a new child after an untimed run at a
 * tenth of the size, and the time runs from go to the child's done; each set, get or put counts
 * as one op.
 */
final class ManagerWorkloads {
    private ManagerWorkloads() {}

    private static final int KEYS = 100;

    /** The anchor's {@code _w_mgr_dict}. */
    static final class DictChild extends Process {
        private final Group group;
        private final Map<Object, Integer> d;
        private final int k;
        private final SharedLongArray report;

        DictChild(Group group, Map<Object, Integer> d, int k, SharedLongArray report) {
            this.group = group;
            this.d = d;
            this.k = k;
            this.report = report;
        }

        @Override
        public void run() throws InterruptedException {
            d.put("warm", 0); // connect to the manager (untimed)
            check(d.get("warm") == 0, "manager dict warm-up");
            group.readyThenAwaitGo();
            for (int i = 0; i < k; i++) {
                int key = i % KEYS;
                d.put(key, i);
                if (d.get(key) != i) {
                    throw new IllegalStateException("manager dict returned a wrong value");
                }
            }
            report.set(0, k);
            group.done.release();
        }
    }

    /** The anchor's {@code _w_mgr_queue}. */
    static final class QueueChild extends Process {
        private final Group group;
        private final BlockingQueue<Integer> q;
        private final int k;
        private final SharedLongArray report;

        QueueChild(Group group, BlockingQueue<Integer> q, int k, SharedLongArray report) {
            this.group = group;
            this.q = q;
            this.k = k;
            this.report = report;
        }

        @Override
        public void run() throws InterruptedException {
            q.put(-1); // connect to the manager (untimed)
            check(q.take() == -1, "manager queue warm-up");
            group.readyThenAwaitGo();
            for (int i = 0; i < k; i++) {
                q.put(i);
                if (q.take() != i) {
                    throw new IllegalStateException("manager queue returned a wrong value");
                }
            }
            report.set(0, k);
            group.done.release();
        }
    }

    private interface ChildFactory {
        Process make(Group g, int k, SharedLongArray report);
    }

    /** One untimed run at a tenth of the size (at least 100), then the timed repeats; us per op. */
    private static List<Double> samples(Sizes sizes, int n, ChildFactory child, String what) throws InterruptedException {
        Multiprocessing.register(Group.class);
        Group g = new Group();
        SharedLongArray report = Multiprocessing.sharedLongArray(1);
        List<Double> out = new ArrayList<>();
        for (int r = -1; r < sizes.repeats(); r++) {
            int k = r < 0 ? Math.max(n / 10, 100) : n;
            report.set(0, -1);
            double dt = runGroup(g, List.of(child.make(g, k, report)));
            check(report.get(0) == k, what + ": child count " + report.get(0) + ", expected " + k);
            if (r >= 0) {
                out.add(dt / (2.0 * k) * 1e6);
            }
        }
        return out;
    }

    static final class DictOps implements Workload {
        @Override
        public String name() {
            return "manager_dict_ops";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            int n = sizes.count("mgr_n");
            try (Manager m = Multiprocessing.manager()) {
                Map<Object, Integer> d = m.dict();
                List<Double> samples = samples(sizes, n, (g, k, report) -> new DictChild(g, d, k, report), name());
                @SuppressWarnings("unchecked")
                Map<Object, Integer> snap = (Map<Object, Integer>) ((ManagerProxy) d).copyValue();
                check(snap.size() == KEYS + 1, "manager_dict_ops: " + snap.size() + " keys");
                for (int key = 0; key < KEYS; key++) {
                    int last = key + KEYS * ((n - 1 - key) / KEYS);
                    check(snap.get(key) == last, "manager_dict_ops: d[" + key + "]=" + snap.get(key) + " expected " + last);
                }
                Map<String, Object> params = new LinkedHashMap<>();
                params.put("set_get_pairs", n);
                params.put("keys", KEYS);
                params.put("value", "int");
                params.put("op", "one set or one get");
                return List.of(new Result(name(), params, "us/op", "lower", samples));
            }
        }
    }

    static final class QueueOps implements Workload {
        @Override
        public String name() {
            return "manager_queue";
        }

        @Override
        public List<Result> run(Sizes sizes) throws Exception {
            int n = sizes.count("mgr_n");
            try (Manager m = Multiprocessing.manager()) {
                BlockingQueue<Integer> q = m.queue();
                List<Double> samples = samples(sizes, n, (g, k, report) -> new QueueChild(g, q, k, report), name());
                check(q.isEmpty(), "manager_queue: queue not empty at end");
                Map<String, Object> params = new LinkedHashMap<>();
                params.put("put_get_pairs", n);
                params.put("value", "int");
                params.put("op", "one put or one get");
                return List.of(new Result(name(), params, "us/op", "lower", samples));
            }
        }
    }
}
