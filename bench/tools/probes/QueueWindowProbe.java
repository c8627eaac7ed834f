import org.multiprocessing4j.*;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.Queue;
import java.util.*;

/**
 * The bench's one-producer one-consumer `queue_throughput` protocol (a fresh Queue per sample,
 * 200,000 ints, children from a warm reserve, timed from go to both done), with arms that
 * alternate sample by sample: {@code NAME=opt;opt} adds child JVM options; an arm whose name
 * starts with {@code r4} uses a warm reserve of four (as the bench), else two. Prints each
 * sample and, per arm, the median, mean, min and max in M msgs/s.
 *
 * <p>Run (after {@code ./mp4j --help} built the jars): {@code bench/tools/probes/run.sh QueueWindowProbe 24 base= r4=}
 */
public class QueueWindowProbe {
  static final class Prod extends Process {
    final Semaphore ready, go, done; final Queue<Integer> q; final int n;
    Prod(Context c, Semaphore r, Semaphore g, Semaphore d, Queue<Integer> q, int n) { super(c); ready=r; go=g; done=d; this.q=q; this.n=n; }
    @Override public void run() throws InterruptedException {
      ready.release(); go.acquire();
      for (int i = 0; i < n; i++) q.put(i);
      q.put(-1);
      done.release();
    }
  }
  static final class Cons extends Process {
    final Semaphore ready, go, done; final Queue<Integer> q; final SharedLongArray rep;
    Cons(Context c, Semaphore r, Semaphore g, Semaphore d, Queue<Integer> q, SharedLongArray rep) { super(c); ready=r; go=g; done=d; this.q=q; this.rep=rep; }
    @Override public void run() throws InterruptedException {
      ready.release(); go.acquire();
      long count = 0, total = 0;
      while (true) { Integer x = q.get(); if (x == -1) break; count++; total += x; }
      rep.set(0, count); rep.set(1, total);
      done.release();
    }
  }

  static double one(Context ctx, int n) throws Exception {
    Semaphore r = ctx.semaphore(0), g = ctx.semaphore(0), d = ctx.semaphore(0);
    Queue<Integer> q = ctx.queue();
    SharedLongArray rep = ctx.sharedLongArray(2);
    List<Process> ch = List.of(new Prod(ctx, r, g, d, q, n), new Cons(ctx, r, g, d, q, rep));
    if (!ctx.prepare(java.time.Duration.ofSeconds(120))) throw new IllegalStateException();
    for (Process p : ch) p.start();
    r.acquire(); r.acquire();
    if (!ctx.prepare(java.time.Duration.ofSeconds(120))) throw new IllegalStateException();
    long t0 = System.nanoTime();
    g.release(); g.release();
    d.acquire(); d.acquire();
    long t1 = System.nanoTime();
    for (Process p : ch) p.join();
    if (rep.get(0) != n || rep.get(1) != (long) n * (n - 1) / 2) throw new IllegalStateException("check");
    q.close();
    return n / ((t1 - t0) / 1e9) / 1e6;
  }

  /**
   * The arms of {@code args[1..]}, {@code NAME=opt;opt}, in order: a warm context each, whose
   * child JVMs get {@link Context#DEFAULT_JVM_OPTIONS} and the arm's options, with a reserve of
   * four when the name starts with {@code r4}, else two.
   */
  static Map<String, Context> arms(String[] args) {
    Map<String, Context> arms = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      List<String> opts = new ArrayList<>(Context.DEFAULT_JVM_OPTIONS);
      if (kv.length > 1 && !kv[1].isEmpty()) opts.addAll(Arrays.asList(kv[1].split(";")));
      arms.put(kv[0], Context.builder(StartMethod.WARM).warmReserve(kv[0].startsWith("r4") ? 4 : 2).jvmOptions(opts).build());
    }
    return arms;
  }

  /** The median of {@code xs} (sorted in place). */
  static double median(List<Double> xs) {
    Collections.sort(xs);
    int k = xs.size();
    return k % 2 == 1 ? xs.get(k / 2) : (xs.get(k / 2 - 1) + xs.get(k / 2)) / 2;
  }

  public static void main(String[] a) throws Exception {
    int samples = Integer.parseInt(a[0]);
    int n = 200_000;
    Multiprocessing.warmUp();
    Map<String, Context> arms = arms(a);
    List<String> names = new ArrayList<>(arms.keySet());
    List<Context> ctxs = new ArrayList<>(arms.values());
    Map<String, List<Double>> res = new LinkedHashMap<>();
    for (String nm : names) res.put(nm, new ArrayList<>());
    for (int k = 0; k < ctxs.size(); k++) one(ctxs.get(k), n / 10); // warm-up sample
    for (int s = 0; s < samples; s++) {
      for (int k = 0; k < ctxs.size(); k++) {
        int kk = (s % 2 == 0) ? k : ctxs.size() - 1 - k;
        double v = one(ctxs.get(kk), n);
        res.get(names.get(kk)).add(v);
        System.out.printf("%s %.2f%n", names.get(kk), v);
      }
    }
    for (var e : res.entrySet()) {
      List<Double> l = new ArrayList<>(e.getValue());
      double med = median(l);
      double mean = l.stream().mapToDouble(x->x).average().orElse(0);
      System.out.printf("ARM %-10s median %.2f mean %.2f min %.2f max %.2f (n=%d)%n", e.getKey(), med, mean, l.get(0), l.get(l.size()-1), l.size());
    }
    for (Context c : ctxs) c.close();
    System.exit(0);
  }
}
