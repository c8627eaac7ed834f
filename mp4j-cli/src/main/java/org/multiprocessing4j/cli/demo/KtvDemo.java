package org.multiprocessing4j.cli.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.Semaphore;

/**
 * Seed 003, KTV: four rooms, six people; a {@link Semaphore} of 4 lets at most four sing at once.
 * Each person prints when they enter and leave; the fifth and sixth wait for a room.
 *
 * <pre>
 * def ktv(p, s):
 *     s.acquire(); print('person %s 进来唱歌了' % p)
 *     time.sleep(random.random()); print('person %s 从ktv出去了' % p)
 *     s.release()
 * sem = Semaphore(4)
 * for i in range(6): Process(target=ktv, args=(i, sem)).start()
 * </pre>
 */
final class KtvDemo implements Demo {
    @Override
    public String name() {
        return "ktv";
    }

    @Override
    public String description() {
        return "Semaphore(4): 6 people share 4 KTV rooms (seed 003, KTV)";
    }

    static void ktv(Integer p, Semaphore s) throws InterruptedException {
        s.acquire();
        try {
            System.out.printf("person %s 进来唱歌了%n", p);
            Thread.sleep(ThreadLocalRandom.current().nextInt(1000)); // time.sleep(random.random())
            System.out.printf("person %s 从ktv出去了%n", p);
        } finally {
            s.release();
        }
    }

    @Override
    public void run() throws Exception {
        Semaphore sem = Multiprocessing.semaphore(4); // 初始化信号量，数量为4
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 6; i++) {                  // 模拟6个人
            Process p = new Process(KtvDemo::ktv, i, sem);
            p.start();
            ps.add(p);
        }
        for (Process p : ps) {
            p.join();
        }
    }
}
