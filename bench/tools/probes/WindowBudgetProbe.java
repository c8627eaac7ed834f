import org.multiprocessing4j.*;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.Queue;
import java.util.*;
import java.nio.file.*;

/**
 * Where a one-producer one-consumer window's CPU goes. The bench's `queue_throughput` protocol
 * (a fresh Queue per sample, 200,000 ints, a producer and a consumer child from a warm reserve of
 * two, timed from go to both done) with a plain Queue and no instrumentation inside the window:
 * the parent reads every thread's CPU time ({@code /proc/PID/task/TID/schedstat}) just before go
 * and just after both children are done (the children wait for an exit semaphore, so their
 * threads still exist). Per sample it prints: rate (M msgs/s), window (ms), the main threads'
 * CPU (mainP, mainC), each child's compiler threads' CPU (compP, compC), every other process's
 * threads (others; this JVM excluded, it sleeps in the window), idle = 2 x window - all CPU
 * used (this machine has two vCPUs), and the main threads' run-queue wait (waitP, waitC: time
 * runnable but not running, the second field of schedstat). The same children then run the
 * same loops (methods of their own, so compiled by then) for more rounds, {@code QP_ROUNDS} in
 * the environment in all (default 2); the last of them is printed as the arm {@code NAME/2}, and
 * its rate also as {@code round2} on the first round's line. The second round still compiles
 * (the loops' methods, after their first round's OSR compilations); by the fourth, as measured,
 * nothing does: use {@code QP_ROUNDS=4} for a steady pair. Its compiler figures can mislead:
 * a compiler thread that the JVM starts or stops between the reads is counted on one side only
 * ({@code others} then goes negative). It also prints the vCPU the parent gave go on and each
 * child's vCPU after go and at its end ({@code sched_getcpu}). Arms alternate sample by sample, as
 * {@link QueueWindowProbe#arms} makes them (a reserve of two unless the name starts with r4); {@code -Dqp.pin=1} as an option pins the producer's
 * main thread to vCPU 0 and the consumer's to vCPU 1 (an experiment only: the library never pins).
 *
 * <p>Run (after {@code ./mp4j --help} built the jars): {@code bench/tools/probes/run.sh WindowBudgetProbe 14 base= pinned=-Dqp.pin=1}
 */
public class WindowBudgetProbe {
  static void pin(int cpu) {
    if (cpu < 0) return;
    try {
      var l = java.lang.foreign.Linker.nativeLinker();
      var h = l.downcallHandle(l.defaultLookup().find("sched_setaffinity").get(),
          java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_LONG, java.lang.foreign.ValueLayout.ADDRESS));
      try (var ar = java.lang.foreign.Arena.ofConfined()) {
        var m = ar.allocate(128);
        m.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 1L << cpu);
        int rc = (int) h.invokeExact(0, 128L, m);
        if (rc != 0) throw new IllegalStateException("rc " + rc);
      }
    } catch (Throwable t) { throw new RuntimeException(t); }
  }
  static java.lang.invoke.MethodHandle GETCPU;
  static int cpuNow() {
    try {
      if (GETCPU == null) { var l = java.lang.foreign.Linker.nativeLinker(); GETCPU = l.downcallHandle(l.defaultLookup().find("sched_getcpu").get(), java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT)); }
      return (int) GETCPU.invokeExact();
    } catch (Throwable t) { return -9; }
  }
  /** Rounds per pair of children (environment QP_ROUNDS, at least 2): the first is the bench's window, the last is reported as {@code /2}. */
  static final int ROUNDS = Math.max(2, Integer.parseInt(System.getenv().getOrDefault("QP_ROUNDS", "2")));
  static final class Prod extends Process {
    final Semaphore ready, go, done, exit; final Queue<Integer> q; final int n; final SharedLongArray rep;
    Prod(Context c, Semaphore r, Semaphore g, Semaphore d, Semaphore x, Queue<Integer> q, int n, SharedLongArray rep) { super(c); ready=r; go=g; done=d; exit=x; this.q=q; this.n=n; this.rep=rep; }
    @Override public void run() throws InterruptedException {
      if (Integer.getInteger("qp.pin", 0) == 1) pin(0);
      cpuNow(); cpuNow();
      ready.release(); go.acquire(); int c0 = cpuNow();
      produce(q, n); int c1 = cpuNow();
      done.release(); rep.set(2, c0); rep.set(3, c1);
      for (int k = 1; k < ROUNDS; k++) { // later rounds: the same loop, compiled by now
        go.acquire();
        produce(q, n);
        done.release();
      }
      exit.acquire();
    }
  }
  /** The producer's loop: a method of its own, so that round 2 runs the code round 1 compiled. */
  static void produce(Queue<Integer> q, int n) throws InterruptedException {
    for (int i = 0; i < n; i++) q.put(i);
    q.put(-1);
  }
  /** The consumer's loop: {count, total}. */
  static long[] consume(Queue<Integer> q) throws InterruptedException {
    long count = 0, total = 0;
    while (true) { Integer x = q.get(); if (x == -1) break; count++; total += x; }
    return new long[] {count, total};
  }
  static final class Cons extends Process {
    final Semaphore ready, go, done, exit; final Queue<Integer> q; final SharedLongArray rep;
    Cons(Context c, Semaphore r, Semaphore g, Semaphore d, Semaphore x, Queue<Integer> q, SharedLongArray rep) { super(c); ready=r; go=g; done=d; exit=x; this.q=q; this.rep=rep; }
    @Override public void run() throws InterruptedException {
      if (Integer.getInteger("qp.pin", 0) == 1) pin(1);
      cpuNow(); cpuNow();
      ready.release(); go.acquire(); rep.set(5, cpuNow());
      long[] ct = consume(q);
      rep.set(0, ct[0]); rep.set(1, ct[1]); int c1 = cpuNow();
      done.release(); rep.set(6, c1);
      rep.set(4, 1);
      for (int k = 1; k < ROUNDS; k++) { // later rounds: the same loop, compiled by now
        go.acquire();
        long[] ct2 = consume(q);
        if (ct2[0] != ct[0] || ct2[1] != ct[1]) rep.set(4, 0);
        done.release();
      }
      exit.acquire();
    }
  }
  /**
   * Of a child: [its main thread's CPU ns (the busiest thread named java but the launcher), its
   * compiler threads' CPU ns, that main thread's run-queue wait ns (runnable, not running)].
   */
  static long[] cpu(long pid) {
    long[] r = new long[3];
    long best = -1;
    try (var ds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : ds) {
        String comm = Files.readString(t.resolve("comm")).trim();
        String[] st = Files.readString(t.resolve("schedstat")).trim().split(" ");
        long ns = Long.parseLong(st[0]);
        if (comm.contains("Compiler")) r[1] += ns;
        else if (comm.equals("java") && Long.parseLong(t.getFileName().toString()) != pid && ns > best) {
          best = ns; r[0] = ns; r[2] = Long.parseLong(st[1]);
        }
      }
    } catch (Exception e) { }
    return r;
  }
  static long allBusy() {
    long sum = 0;
    String me = Long.toString(ProcessHandle.current().pid());
    try (var ds = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit) && !p.getFileName().toString().equals(me))) {
      for (Path p : ds) {
        try (var ts = Files.newDirectoryStream(p.resolve("task"))) {
          for (Path t : ts) {
            try { sum += Long.parseLong(Files.readString(t.resolve("schedstat")).trim().split(" ")[0]); } catch (Exception e) { }
          }
        } catch (Exception e) { }
      }
    } catch (Exception e) { }
    return sum;
  }
  static String cpus = "";
  static double[] last = new double[11];
  static double[] last2 = new double[11];
  static double one(Context ctx, int n) throws Exception {
    Semaphore r = ctx.semaphore(0), g = ctx.semaphore(0), d = ctx.semaphore(0), x = ctx.semaphore(0);
    Queue<Integer> q = ctx.queue();
    SharedLongArray rep = ctx.sharedLongArray(8);
    List<Process> ch = List.of(new Prod(ctx, r, g, d, x, q, n, rep), new Cons(ctx, r, g, d, x, q, rep));
    if (!ctx.prepare(java.time.Duration.ofSeconds(120))) throw new IllegalStateException();
    for (Process p : ch) p.start();
    r.acquire(); r.acquire();
    if (!ctx.prepare(java.time.Duration.ofSeconds(120))) throw new IllegalStateException();
    long pp = ch.get(0).pid(), cp = ch.get(1).pid();
    long[] p0 = cpu(pp), c0 = cpu(cp); long b0 = allBusy();
    int pc = cpuNow(); long t0 = System.nanoTime();
    g.release(); g.release();
    d.acquire(); d.acquire();
    long t1 = System.nanoTime();
    long b1 = allBusy(); long[] p1 = cpu(pp), c1 = cpu(cp);
    for (int k = 2; k < ROUNDS; k++) { g.release(); g.release(); d.acquire(); d.acquire(); }
    long[] p2 = cpu(pp), c2 = cpu(cp); long b2 = allBusy();
    long t2 = System.nanoTime();
    g.release(); g.release();
    d.acquire(); d.acquire();
    long t3 = System.nanoTime();
    long b3 = allBusy(); long[] p3 = cpu(pp), c3 = cpu(cp);
    last2 = budget(n, t3 - t2, p2, p3, c2, c3, b3 - b2, 0);
    x.release(); x.release();
    for (Process p : ch) p.join();
    if (rep.get(0) != n || rep.get(1) != (long) n * (n - 1) / 2 || rep.get(4) != 1) throw new IllegalStateException("check");
    cpus = String.format("go@%d P %d>%d C %d>%d", pc, rep.get(2), rep.get(3), rep.get(5), rep.get(6));
    q.close();
    last = budget(n, t1 - t0, p0, p1, c0, c1, b1 - b0, last2[0]);
    return last[0];
  }

  /**
   * One round's fields (see {@code fields} in main) from a window of {@code nanos}, the children's
   * {@link #cpu} readings before and after ({@code p}: producer, {@code c}: consumer), all CPU
   * used meanwhile ({@code busy}, ns) and the later round's rate.
   */
  static double[] budget(int n, long nanos, long[] p0, long[] p1, long[] c0, long[] c1, long busy, double round2) {
    double w = nanos / 1e6;
    double mainP = (p1[0] - p0[0]) / 1e6, mainC = (c1[0] - c0[0]) / 1e6;
    double compP = (p1[1] - p0[1]) / 1e6, compC = (c1[1] - c0[1]) / 1e6;
    return new double[] {n / (nanos / 1e9) / 1e6, w, mainP, mainC, compP, compC,
        busy / 1e6 - mainP - mainC - compP - compC, 2 * w - busy / 1e6, (p1[2] - p0[2]) / 1e6, (c1[2] - c0[2]) / 1e6, round2};
  }

  public static void main(String[] a) throws Exception {
    int samples = Integer.parseInt(a[0]);
    int n = 200_000;
    Multiprocessing.warmUp();
    Map<String, Context> arms = QueueWindowProbe.arms(a);
    List<String> names = new ArrayList<>(arms.keySet());
    List<Context> ctxs = new ArrayList<>(arms.values());
    String[] fields = {"rate", "window", "mainP", "mainC", "compP", "compC", "others", "idle", "waitP", "waitC", "round2"};
    Map<String, List<double[]>> res = new LinkedHashMap<>();
    for (String nm : names) { res.put(nm, new ArrayList<>()); res.put(nm + "/2", new ArrayList<>()); }
    for (int k = 0; k < ctxs.size(); k++) one(ctxs.get(k), n / 10);
    for (int s = 0; s < samples; s++) {
      for (int k = 0; k < ctxs.size(); k++) {
        int kk = (s % 2 == 0) ? k : ctxs.size() - 1 - k;
        one(ctxs.get(kk), n);
        res.get(names.get(kk)).add(last);
        res.get(names.get(kk) + "/2").add(last2);
        StringBuilder sb = new StringBuilder(names.get(kk));
        for (int f = 0; f < fields.length; f++) sb.append(String.format(" %s %.2f", fields[f], last[f]));
        System.out.println(sb + " " + cpus);
        sb = new StringBuilder(names.get(kk) + "/2");
        for (int f = 0; f < fields.length - 1; f++) sb.append(String.format(" %s %.2f", fields[f], last2[f]));
        System.out.println(sb);
      }
    }
    for (var e : res.entrySet()) {
      StringBuilder sb = new StringBuilder(String.format("ARM %-8s n=%d medians:", e.getKey(), e.getValue().size()));
      for (int f = 0; f < fields.length; f++) {
        List<Double> l = new ArrayList<>(); for (double[] dd : e.getValue()) l.add(dd[f]);
        double med = QueueWindowProbe.median(l);
        double mean = l.stream().mapToDouble(xx->xx).average().orElse(0);
        sb.append(String.format(" %s %.2f (%.2f)", fields[f], med, mean));
      }
      System.out.println(sb);
    }
    for (Context c : ctxs) c.close();
    System.exit(0);
  }
}
