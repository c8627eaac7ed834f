package org.multiprocessing4j.cli.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.multiprocessing4j.Lock;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Process;

/**
 * Seed 003, 购票: five people buy the last ticket recorded in a JSON file, first without a lock
 * (several succeed: the ticket is oversold), then with a {@link Lock} around read-check-write
 * (exactly one succeeds). The random delays are the seed's, shortened from up to 1 s to up to
 * 0.3 s.
 *
 * <pre>
 * def buy_ticket(i, l):
 *     l.acquire()
 *     with open('ticket') as f: tick_count = json.load(f); time.sleep(random.random())
 *     if tick_count['count'] > 0: print('person%s购票成功' % i); tick_count['count'] -= 1
 *     else: print('余票不足,person%s购票失败' % i)
 *     time.sleep(random.random())
 *     with open('ticket', 'w') as f: json.dump(tick_count, f)
 *     l.release()
 * </pre>
 */
final class TicketDemo implements Demo {
    private static final Pattern COUNT = Pattern.compile("\"count\"\\s*:\\s*(\\d+)");

    @Override
    public String name() {
        return "ticket";
    }

    @Override
    public String description() {
        return "5 people buy 1 ticket from a JSON file: oversold without a lock, correct with one (seed 003, 购票)";
    }

    private static void pause() throws InterruptedException {
        Thread.sleep(ThreadLocalRandom.current().nextInt(300)); // time.sleep(random.random()), shortened
    }

    static void buyTicket(Integer i, String file) throws IOException, InterruptedException {
        Path ticket = Path.of(file);
        String json = Files.readString(ticket);   // with open('ticket') as f: json.load(f)
        pause();
        Matcher m = COUNT.matcher(json);
        int count = m.find() ? Integer.parseInt(m.group(1)) : 0;
        if (count > 0) {
            System.out.printf("person%s购票成功%n", i);
            count -= 1;
        } else {
            System.out.printf("余票不足,person%s购票失败%n", i);
        }
        pause();
        Files.writeString(ticket, "{\"count\": " + count + "}");
    }

    static void buyTicketLocked(Integer i, String file, Lock l) throws IOException, InterruptedException {
        l.lock();            // l.acquire()
        try {
            buyTicket(i, file);
        } finally {
            l.unlock();      // l.release()
        }
    }

    private static void runAll(List<Process> ps) throws InterruptedException {
        for (Process p : ps) {
            p.start();
        }
        for (Process p : ps) {
            p.join();
        }
    }

    @Override
    public void run() throws Exception {
        Path dir = Files.createTempDirectory("mp4j-ticket");
        Path ticket = dir.resolve("ticket");
        try {
            System.out.println("--- without a lock (ticket file {\"count\": 1})");
            Files.writeString(ticket, "{\"count\": 1}");
            List<Process> ps = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ps.add(new Process(TicketDemo::buyTicket, i, ticket.toString()));
            }
            runAll(ps);
            System.out.println("ticket file now: " + Files.readString(ticket));

            System.out.println("--- with a lock (ticket file {\"count\": 1})");
            Files.writeString(ticket, "{\"count\": 1}");
            Lock lock = Multiprocessing.lock();                     // lock = Lock()
            ps.clear();
            for (int i = 0; i < 5; i++) {                            // 模拟5个用户抢票
                ps.add(new Process(TicketDemo::buyTicketLocked, i, ticket.toString(), lock));
            }
            runAll(ps);
            System.out.println("ticket file now: " + Files.readString(ticket));
        } finally {
            Files.deleteIfExists(ticket);
            Files.deleteIfExists(dir);
        }
    }
}
