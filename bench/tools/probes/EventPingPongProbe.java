import org.multiprocessing4j.*;
import org.multiprocessing4j.Process;
import java.util.Arrays;

/**
 * The round trip of two {@link Event}s between this JVM and a spawned child: this side sets
 * {@code ping} and waits for {@code pong}, the child waits for {@code ping}, clears it and sets
 * {@code pong}. A hand-off through a flag that only its setter writes, so what a waiter's
 * back-off between checks adds is all that varies with it ({@code -Dmp4j.backoff}, passed on to
 * the child). Prints each round's mean round trip (us) after a warm-up of 200,000, and their
 * median.
 *
 * <p>Run (after {@code ./mp4j --help} built the jars):
 * {@code bench/tools/probes/run.sh -Dmp4j.backoff=4 EventPingPongProbe 7}: the argument is the
 * number of rounds of 100,000 round trips.
 */
public class EventPingPongProbe {
  static void echo(Event ping, Event pong) throws InterruptedException {
    for (;;) {
      ping.await();
      ping.clear();
      pong.set();
    }
  }

  static void rounds(Event ping, Event pong, int n) throws InterruptedException {
    for (int i = 0; i < n; i++) {
      ping.set();
      pong.await();
      pong.clear();
    }
  }

  public static void main(String[] a) throws Exception {
    int rounds = Integer.parseInt(a[0]);
    int n = 100_000;
    Context ctx = Multiprocessing.context("spawn");
    Event ping = ctx.event();
    Event pong = ctx.event();
    Process child = ctx.process(EventPingPongProbe::echo, ping, pong);
    child.setDaemon(true);
    child.start();
    for (int w = 0; w < 20; w++) {
      rounds(ping, pong, n / 10); // calls that end, so that the JIT sees the loop's exit
    }
    double[] us = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      rounds(ping, pong, n);
      us[r] = (System.nanoTime() - t0) / 1e3 / n;
    }
    child.kill();
    child.join();
    System.out.print("round trips (us):");
    for (double u : us) System.out.printf(" %.3f", u);
    double[] s = us.clone();
    Arrays.sort(s);
    System.out.printf("; median %.3f (backoff %s)%n", s[rounds / 2], System.getProperty("mp4j.backoff", "64"));
    System.exit(0);
  }
}
