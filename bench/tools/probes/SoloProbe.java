import org.multiprocessing4j.*;
import org.multiprocessing4j.Queue;
import java.util.Arrays;

/**
 * What a put and a get cost in one thread, with no other process and so no cache line moving
 * between cores: one queue, {@code ROUNDS} rounds of 200,000 {@code put(i)} then 200,000
 * {@code get()}, timed apart. Prints the medians and minimums (ns per call) of the second half of
 * the rounds, when everything on the path is compiled. Its figures wander by a third from run
 * to run on this machine: compare builds by alternating runs, and look at the minimums first.
 *
 * <p>Run (after {@code ./mp4j --help} built the jars): {@code bench/tools/probes/run.sh SoloProbe 60}
 */
public class SoloProbe {
  public static void main(String[] a) throws Exception {
    int rounds = Integer.parseInt(a[0]);
    int n = 200_000;
    try (Context ctx = Context.builder(StartMethod.THREAD).build()) {
      Queue<Integer> q = ctx.queue();
      double[] put = new double[rounds], get = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) q.put(i);
        long t1 = System.nanoTime();
        long s = 0;
        for (int i = 0; i < n; i++) s += q.get();
        long t2 = System.nanoTime();
        if (s != (long) n * (n - 1) / 2) throw new IllegalStateException("checksum");
        put[r] = (t1 - t0) / (double) n;
        get[r] = (t2 - t1) / (double) n;
      }
      double[] p = Arrays.copyOfRange(put, rounds / 2, rounds), g = Arrays.copyOfRange(get, rounds / 2, rounds);
      Arrays.sort(p);
      Arrays.sort(g);
      System.out.printf("put %.1f get %.1f ns (medians of the last %d rounds; minimums %.1f %.1f)%n",
          p[p.length / 2], g[g.length / 2], p.length, p[0], g[0]);
      q.close();
    }
    System.exit(0);
  }
}
