package org.multiprocessing4j.cli.bench;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.multiprocessing4j.Array;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.SharedMemory;
import org.multiprocessing4j.Value;

/**
 * {@code array_write} ({@link Array} {@code 'd'}, no lock) and {@code shared_memory}
 * ({@link SharedMemory} viewed as doubles) of the anchor's README. Per sample: the parent sends
 * go, the child fills all 1,000,000 doubles with {@code i + off} (off alternates 0.0 / 0.5), the
 * child answers, the parent reads the whole buffer. {@code bulk}: one memcpy on each side (the
 * child's source arrays are built before ready); {@code element}: a loop of element writes in the
 * child and a loop summing the elements in the parent. MB/s of the buffer's bytes.
 */
final class SharedBuffer implements Workload {
    private final boolean array;

    SharedBuffer(boolean array) {
        this.array = array;
    }

    @Override
    public String name() {
        return array ? "array_write" : "shared_memory";
    }

    /** The child: fills the buffer on each go, until the command is negative. */
    static final class Filler extends Process {
        private final Group group;
        private final Value command;
        private final Array target;          // array_write
        private final SharedMemory shm;      // shared_memory
        private final int n;
        private final boolean bulk;

        Filler(Group group, Value command, Array target, SharedMemory shm, int n, boolean bulk) {
            this.group = group;
            this.command = command;
            this.target = target;
            this.shm = shm;
            this.n = n;
            this.bulk = bulk;
        }

        @Override
        public void run() throws Exception {
            double[][] sources = null;
            if (bulk) {
                sources = new double[2][n];
                for (int i = 0; i < n; i++) {
                    sources[0][i] = i;
                    sources[1][i] = i + 0.5;
                }
            }
            MemorySegment mem = shm != null ? shm.segment() : null;
            group.ready.release();
            for (;;) {
                group.go.acquire();
                int r = (int) command.getLong();
                if (r < 0) {
                    break;
                }
                double off = (r & 1) != 0 ? 0.5 : 0.0;
                if (bulk) {
                    if (target != null) {
                        target.copyFrom(0, sources[r & 1], 0, n);
                    } else {
                        MemorySegment.copy(sources[r & 1], 0, mem, JAVA_DOUBLE, 0, n);
                    }
                } else if (target != null) {
                    fill(target, n, off);
                } else {
                    fill(mem, n, off);
                }
                group.done.release();
            }
        }
    }

    // The element loops run in blocks of BLOCK elements, each block a call of its own, as a Java
    // program that wants its loops compiled well writes them. A method called once per sample
    // that loops over all 1,000,000 elements is compiled on stack (OSR) while it runs; measured
    // with -Xlog:jit+compilation and -Xlog:deoptimization (2026-11-23): its first normal C2
    // version then traps at the loop's exit (the interpreter never saw the loop end), the
    // method falls back to C1 code that jumps into the OSR version at the loop's back branch,
    // and that version reads 3.6 ns an element where the normal one reads 0.82 ns. Samples
    // after that trap ran at 1.5-1.9 GB/s instead of 5-6 GB/s, in most runs of the bench. A
    // block's loop is compiled normally after a few calls.

    /** Elements per call of the element loops: bounded loops, compiled as methods (see above). */
    private static final int BLOCK = 4096;

    static void fill(Array a, int n, double off) {
        for (int from = 0; from < n; from += BLOCK) {
            fillBlock(a, from, Math.min(n, from + BLOCK), off);
        }
    }

    private static void fillBlock(Array a, int from, int to, double off) {
        for (int i = from; i < to; i++) {
            a.setDouble(i, i + off);
        }
    }

    static void fill(MemorySegment m, int n, double off) {
        for (int from = 0; from < n; from += BLOCK) {
            fillBlock(m, from, Math.min(n, from + BLOCK), off);
        }
    }

    private static void fillBlock(MemorySegment m, int from, int to, double off) {
        for (int i = from; i < to; i++) {
            m.setAtIndex(JAVA_DOUBLE, i, i + off);
        }
    }

    static double sum(Array a, int n) {
        double s = 0;
        for (int from = 0; from < n; from += BLOCK) {
            s = sumBlock(a, from, Math.min(n, from + BLOCK), s);
        }
        return s;
    }

    /** {@code s} plus elements {@code from..to-1}, added in index order (the sum is exact, as the check needs). */
    private static double sumBlock(Array a, int from, int to, double s) {
        for (int i = from; i < to; i++) {
            s += a.getDouble(i);
        }
        return s;
    }

    static double sum(MemorySegment m, int n) {
        double s = 0;
        for (int from = 0; from < n; from += BLOCK) {
            s = sumBlock(m, from, Math.min(n, from + BLOCK), s);
        }
        return s;
    }

    private static double sumBlock(MemorySegment m, int from, int to, double s) {
        for (int i = from; i < to; i++) {
            s += m.getAtIndex(JAVA_DOUBLE, i);
        }
        return s;
    }

    @Override
    public List<Result> run(Sizes sizes) throws Exception {
        Multiprocessing.register(Group.class);
        int n = sizes.count("array_n");
        long nb = n * 8L;
        double baseSum = (double) n * (n - 1) / 2.0;
        List<Result> out = new ArrayList<>();
        for (String access : List.of("bulk", "element")) {
            boolean bulk = access.equals("bulk");
            Group g = new Group();
            Value command = Multiprocessing.rawValue('i', 0);
            Array target = array ? Multiprocessing.rawArray('d', n) : null;
            SharedMemory shm = array ? null : SharedMemory.create(nb);
            MemorySegment mem = shm != null ? shm.segment() : null;
            double[] outbuf = new double[n];
            Process child = new Filler(g, command, target, shm, n, bulk);
            SyncWorkloads.readyReserve();
            child.start();
            try {
                g.awaitReady(1);
                SyncWorkloads.readyReserve(); // the refill the start caused is start-up too
                int[] rc = {0};
                java.util.concurrent.Callable<Double> one = () -> {
                    int r = rc[0]++;
                    double off = (r & 1) != 0 ? 0.5 : 0.0;
                    long t0 = System.nanoTime();
                    command.set(r);
                    g.go(1);
                    g.awaitDone(1);
                    double total;
                    long t1;
                    if (bulk) {
                        if (target != null) {
                            target.copyTo(0, outbuf, 0, n);
                        } else {
                            MemorySegment.copy(mem, JAVA_DOUBLE, 0, outbuf, 0, n);
                        }
                        t1 = System.nanoTime();
                        SyncWorkloads.check(outbuf[0] == off && outbuf[n / 2] == n / 2 + off && outbuf[n - 1] == n - 1 + off,
                                name() + " bulk: wrong element values");
                        total = 0;
                        for (double d : outbuf) {
                            total += d;
                        }
                    } else {
                        total = target != null ? sum(target, n) : sum(mem, n);
                        t1 = System.nanoTime();
                    }
                    SyncWorkloads.check(total == baseSum + off * n,
                            name() + " " + access + ": sum " + total + ", expected " + (baseSum + off * n));
                    return nb / ((t1 - t0) / 1e9) / 1e6;
                };
                one.call();
                one.call(); // warm-up (first touch of the pages)
                int reps = bulk ? sizes.count("array_bulk_repeats") : sizes.repeats();
                List<Double> samples = new ArrayList<>();
                for (int i = 0; i < reps; i++) {
                    samples.add(one.call());
                }
                Map<String, Object> params = new LinkedHashMap<>();
                params.put("doubles", n);
                params.put("bytes", nb);
                params.put("access", access);
                if (array) {
                    params.put("lock", false);
                }
                out.add(new Result(name(), params, "MB/s", "higher", samples));
            } finally {
                command.set(-1);
                g.go(1);
                child.join();
                if (shm != null) {
                    shm.close();
                }
            }
            SyncWorkloads.check(child.exitCode().orElse(-999) == 0, name() + ": child exit code " + child.exitCode());
        }
        return out;
    }
}
