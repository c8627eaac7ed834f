import org.multiprocessing4j.*;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.Queue;
import java.util.*;

/**
 * How a round trip settles over time between this JVM and a child, through two queues or a pipe:
 * JMH's {@code IpcComparisonBenchmark.roundTrip} shape (an int there, int + 1 back, the child
 * echoing for ever), with the child started by the start method named in the arguments. Prints
 * one line per slice of {@code SLICE_MS}: the slice's end since start (ms), round trips done, the
 * mean round trip (us), and the CPU (ms) that the slice gave this JVM's and the child's JIT
 * compiler threads ({@code compMe}, {@code compChild}) and every other process of the machine
 * ({@code others}: a warm context's reserve JVMs booting, for example).
 *
 * <p>Run (after {@code ./mp4j --help} built the jars):
 * {@code bench/tools/probes/run.sh RoundTripTimelineProbe queue spawn 12}, or {@code pipe},
 * {@code warm}; the third argument is the length in seconds; a fourth, {@code prepare}, first
 * waits for the context to be ready ({@code Context.prepare}: the AOT cache built, the warm
 * reserve full), so that what remains is the reserve's refill after the child's start.
 */
public class RoundTripTimelineProbe {
  static final long SLICE_MS = 500;

  static void queueEcho(Queue<Integer> in, Queue<Integer> out) throws InterruptedException {
    for (;;) out.put(in.take() + 1);
  }

  static void pipeEcho(Connection c) throws Exception {
    for (;;) c.send((Integer) c.recv() + 1);
  }

  /** CPU ns of a process's threads: {JIT compiler threads, all the others}. */
  static long[] cpu(long pid) {
    long[] sum = new long[2];
    try (var ds = java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc/" + pid + "/task"))) {
      for (var t : ds) {
        int k = java.nio.file.Files.readString(t.resolve("comm")).contains("Compiler") ? 0 : 1;
        sum[k] += Long.parseLong(java.nio.file.Files.readString(t.resolve("schedstat")).trim().split(" ")[0]);
      }
    } catch (Exception e) { }
    return sum;
  }

  public static void main(String[] a) throws Exception {
    String kind = a[0];
    Context ctx = Multiprocessing.context(a[1]);
    long seconds = Long.parseLong(a[2]);
    if (a.length > 3 && a[3].equals("prepare")) {
      System.out.println("prepared: " + ctx.prepare(java.time.Duration.ofSeconds(120))); // AOT cache built, warm reserve full
    }
    Queue<Integer> qOut = null, qIn = null;
    Connection conn = null;
    Process child;
    if (kind.equals("queue")) {
      qOut = ctx.queue();
      qIn = ctx.queue();
      child = ctx.process(RoundTripTimelineProbe::queueEcho, qOut, qIn);
    } else {
      Pipe p = ctx.pipe();
      conn = p.conn1();
      child = ctx.process(RoundTripTimelineProbe::pipeEcho, p.conn2());
    }
    child.start();
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    long sliceEnd = start + SLICE_MS * 1_000_000L;
    long n = 0, sliceStart = start;
    long me = ProcessHandle.current().pid();
    long[] c0 = cpu(child.pid());
    long cm0 = cpu(me)[0], cc0 = c0[0], all0 = WindowBudgetProbe.allBusy(), mine0 = c0[1];
    int v = 0;
    while (true) {
      int r;
      if (qOut != null) { qOut.put(v); r = qIn.take(); }
      else { conn.send(v); r = (Integer) conn.recv(); }
      if (r != v + 1) throw new IllegalStateException("reply " + r + " to " + v);
      v++;
      n++;
      long now = System.nanoTime();
      if (now >= sliceEnd) {
        long[] c = cpu(child.pid());
        long cm = cpu(me)[0], cc = c[0], all = WindowBudgetProbe.allBusy();
        long mine = c[1]; // the child's other threads (allBusy leaves this JVM out)
        System.out.printf("%s %s t=%6.0f ms  n=%8d  rt=%9.2f us  compMe %5.1f  compChild %5.1f  others %6.1f%n", kind, a[1],
            (now - start) / 1e6, n, (now - sliceStart) / 1e3 / n, (cm - cm0) / 1e6, (cc - cc0) / 1e6,
            ((all - all0) - (cc - cc0) - (mine - mine0)) / 1e6);
        cm0 = cm; cc0 = cc; all0 = all; mine0 = mine;
        n = 0; sliceStart = now; sliceEnd = now + SLICE_MS * 1_000_000L;
        if (now >= end) break;
      }
    }
    child.kill();
    child.join();
    ctx.close();
  }
}
