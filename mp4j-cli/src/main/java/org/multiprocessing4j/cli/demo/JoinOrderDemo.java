package org.multiprocessing4j.cli.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.multiprocessing4j.Process;

/**
 * Seed 003: join() inside the start loop makes the children run one after another, in order;
 * starting them all and then joining lets them run at once, in any order.
 *
 * <pre>
 * def work(n):
 *     print('%s: %s is running' % (n, os.getpid()))
 *     time.sleep(random.random())
 *     print('%s:%s is done' % (n, os.getpid()))
 * for i in range(5):
 *     p = Process(target=work, args=(i,)); p.start(); p.join()
 * </pre>
 */
final class JoinOrderDemo implements Demo {
    @Override
    public String name() {
        return "join-order";
    }

    @Override
    public String description() {
        return "join() in the start loop serialises the children; join after starting all does not (seed 003)";
    }

    static void work(int n) throws InterruptedException {
        System.out.printf("%d: %d is running%n", n, Pids.pid());
        Thread.sleep((long) (ThreadLocalRandom.current().nextDouble() * 1000));
        System.out.printf("%d:%d is done%n", n, Pids.pid());
    }

    @Override
    public void run() throws Exception {
        System.out.println("-- start(); join() in the loop: one after another, in order");
        for (int i = 0; i < 5; i++) {
            Process p = new Process(JoinOrderDemo::work, i);
            p.start();
            p.join();
        }
        System.out.println("-- start all, then join all: at the same time, in any order");
        List<Process> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Process p = new Process(JoinOrderDemo::work, i);
            p.start();
            all.add(p);
        }
        for (Process p : all) {
            p.join();
        }
    }
}
