import org.multiprocessing4j.*;
import java.nio.file.*;
import java.util.*;

/**
 * Where the executor's map with chunks of 1,000 spends its per-chunk time: runs
 * {@code ProcessPoolExecutor(2).map(square, range(N), 1000)} {@code ROUNDS} times after a warm-up
 * and prints, per round, the tasks/s and the voluntary context switches of this JVM's threads
 * (by thread name) and of every other process (the workers among them), per chunk.
 *
 * <p>Run (after {@code ./mp4j --help} built the jars): {@code bench/tools/probes/run.sh ExecutorMapProbe 7 3}:
 * 7 rounds after a warm-up of 3 s (maps of a tenth of the size, repeated; the default).
 */
public class ExecutorMapProbe {
  static long square(Integer x) { return (long) x * x; }

  static List<Integer> range(int n) {
    return new AbstractList<Integer>() {
      public Integer get(int i) { return i; }
      public int size() { return n; }
    };
  }

  /** Voluntary context switches by thread name of process {@code pid}. */
  static Map<String, Long> switches(long pid) {
    Map<String, Long> m = new TreeMap<>();
    try (var ds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (var t : ds) {
        try {
          String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "#");
          long v = 0;
          for (String line : Files.readAllLines(t.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches")) v = Long.parseLong(line.split("\\s+")[1]);
          }
          m.merge(name, v, Long::sum);
        } catch (Exception e) { }
      }
    } catch (Exception e) { }
    return m;
  }

  static long othersSwitches(long me) {
    long sum = 0;
    try (var ds = Files.newDirectoryStream(Path.of("/proc"))) {
      for (var p : ds) {
        String n = p.getFileName().toString();
        if (!n.chars().allMatch(Character::isDigit) || Long.parseLong(n) == me) continue;
        for (long v : switches(Long.parseLong(n)).values()) sum += v;
      }
    } catch (Exception e) { }
    return sum;
  }

  public static void main(String[] a) throws Exception {
    int rounds = Integer.parseInt(a[0]);
    double warmSeconds = a.length > 1 ? Double.parseDouble(a[1]) : 3;
    int n = 1_000_000, cs = 1000;
    long me = ProcessHandle.current().pid();
    try (ProcessPoolExecutor ex = new ProcessPoolExecutor(2)) {
      long t = System.nanoTime();
      while (System.nanoTime() - t < warmSeconds * 1e9) {
        for (Iterator<Long> it = ex.map(ExecutorMapProbe::square, range(n / 10), cs); it.hasNext(); ) it.next();
      }
      System.out.printf("timed from %.3f s of uptime%n", java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1e3);
      for (int r = 0; r < rounds; r++) {
        Map<String, Long> s0 = switches(me);
        long o0 = othersSwitches(me);
        long t0 = System.nanoTime();
        long sum = 0;
        for (Iterator<Long> it = ex.map(ExecutorMapProbe::square, range(n), cs); it.hasNext(); ) sum += it.next();
        double dt = (System.nanoTime() - t0) / 1e9;
        Map<String, Long> s1 = switches(me);
        long o1 = othersSwitches(me);
        StringBuilder b = new StringBuilder();
        for (var e : s1.entrySet()) {
          long d = e.getValue() - s0.getOrDefault(e.getKey(), 0L);
          if (d > 50) b.append(String.format(" %s=%.2f", e.getKey(), d / (double) (n / cs)));
        }
        System.out.printf("%.2f M tasks/s; switches per chunk:%s others=%.2f%n", n / dt / 1e6, b, (o1 - o0) / (double) (n / cs));
      }
    }
    System.exit(0);
  }
}
