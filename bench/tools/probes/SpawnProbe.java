import org.multiprocessing4j.*;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.Queue;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * What a spawned child's start and join cost with the arguments it is given: the bench's
 * {@code process_start_join} (spawn, an empty target) beside targets that take a shared object and
 * use it once. Per target, the median and range of start-to-join over {@code N} samples,
 * alternating the targets sample by sample. For {@code mark}, which writes the child's
 * {@code System.nanoTime()} (CLOCK_MONOTONIC, one clock for every process of the machine) to a
 * shared array, start-to-join is also split at the target's entry. {@code sub} and
 * {@code sub-release} are {@code Process} subclasses (JDK serialization), the second holding the
 * semaphore in a field.
 *
 * <p>Run (after {@code ./mp4j --help} built the jars): {@code bench/tools/probes/run.sh SpawnProbe 15}.
 * Child JVM options for a run: {@code -Dprobe.opts="-Xlog:class+load:file=/tmp/cl-%p.txt"}.
 */
public class SpawnProbe {
  static void empty() {
    // the bench's target
  }

  static void hold(SharedLongArray at) {
    // the argument is decoded (its segment attached), not used
  }

  static void mark(SharedLongArray at) {
    at.set(0, System.nanoTime());
  }

  static void release(Semaphore s) {
    s.release();
  }

  static void put(Queue<Integer> q) throws InterruptedException {
    q.put(1);
  }

  /** A Process subclass (its payload goes through JDK serialization), with nothing. */
  static final class Sub extends Process {
    Sub(Context ctx) {
      super(ctx);
    }

    @Override
    public void run() {
    }
  }

  /** A Process subclass holding a semaphore in a field, which it releases. */
  static final class SubRelease extends Process {
    private final Semaphore s;

    SubRelease(Context ctx, Semaphore s) {
      super(ctx);
      this.s = s;
    }

    @Override
    public void run() {
      s.release();
    }
  }

  /** In a fresh child: how long each class of the shared-memory path takes to initialise, in order. */
  static void inits() throws Exception {
    StringBuilder out = new StringBuilder("child inits:");
    for (String c : List.of("org.multiprocessing4j.internal.shm.Segment", "org.multiprocessing4j.internal.shm.Segments",
        "org.multiprocessing4j.internal.shm.Liveness", "org.multiprocessing4j.internal.shm.ShmUse",
        "org.multiprocessing4j.internal.shm.Mutex", "org.multiprocessing4j.Cells",
        "org.multiprocessing4j.internal.shm.Futex$Native", "org.multiprocessing4j.internal.shm.Pages$Native",
        "org.multiprocessing4j.internal.ipc.Ring")) {
      long t0 = System.nanoTime();
      Class.forName(c, true, SpawnProbe.class.getClassLoader());
      out.append(String.format(" %s %.1f", c.substring(c.lastIndexOf('.') + 1), (System.nanoTime() - t0) / 1e6));
    }
    System.out.println(out + " ms");
  }

  public static void main(String[] a) throws Exception {
    if (a[0].equals("inits")) {
      try (Context ctx = Context.builder(StartMethod.SPAWN).build()) {
        for (int i = 0; i < 4; i++) {
          Process p = ctx.process(SpawnProbe::inits);
          p.start();
          p.join();
          if (i == 0 && !ctx.prepare(Duration.ofMinutes(10))) throw new IllegalStateException("not ready");
        }
      }
      System.exit(0);
    }
    int n = Integer.parseInt(a[0]);
    String opts = System.getProperty("probe.opts", "");
    try (Context ctx = Context.builder(StartMethod.SPAWN)
        .jvmOptions(opts.isEmpty() ? List.of() : List.of(opts.split(" "))).build()) {
      SharedLongArray at = ctx.sharedLongArray(1);
      Semaphore sem = ctx.semaphore(0);
      Queue<Integer> q = ctx.queue();
      List<String> names = List.of("empty", "hold", "mark", "release", "put", "sub", "sub-release");
      run(ctx, "mark", at, sem, q); // registers the classes; the AOT cache trains on this one
      if (!ctx.prepare(Duration.ofMinutes(10))) throw new IllegalStateException("not ready");
      for (String t : names) run(ctx, t, at, sem, q);
      double[][] ms = new double[names.size()][n];
      double[] boot = new double[n];
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < names.size(); k++) {
          long t0 = System.nanoTime();
          run(ctx, names.get(k), at, sem, q);
          long t2 = System.nanoTime();
          ms[k][i] = (t2 - t0) / 1e6;
          if (names.get(k).equals("mark")) boot[i] = (at.get(0) - t0) / 1e6;
        }
      }
      for (int k = 0; k < names.size(); k++) {
        Arrays.sort(ms[k]);
        System.out.printf("%-8s start->join median %6.1f ms (%.1f-%.1f)%n", names.get(k), ms[k][n / 2], ms[k][0], ms[k][n - 1]);
      }
      Arrays.sort(boot);
      System.out.printf("mark: start->target median %.1f ms%n", boot[n / 2]);
      while (sem.tryAcquire()) { } // the releases of the release target
      q.close();
    }
    System.exit(0);
  }

  static void run(Context ctx, String target, SharedLongArray at, Semaphore sem, Queue<Integer> q) throws Exception {
    Process p = switch (target) {
      case "empty" -> ctx.process(SpawnProbe::empty);
      case "hold" -> ctx.process(SpawnProbe::hold, at);
      case "mark" -> ctx.process(SpawnProbe::mark, at);
      case "release" -> ctx.process(SpawnProbe::release, sem);
      case "sub" -> new Sub(ctx);
      case "sub-release" -> new SubRelease(ctx, sem);
      default -> ctx.process(SpawnProbe::put, q);
    };
    p.start();
    p.join();
    if (p.exitCode().orElse(-1) != 0) throw new IllegalStateException(target + ": exit " + p.exitCode());
    p.close();
    if (target.equals("put") && q.get() != 1) throw new IllegalStateException("put: lost");
  }
}
