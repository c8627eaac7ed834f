package org.multiprocessing4j.cli.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.multiprocessing4j.JoinableQueue;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.Queue;

/**
 * Seed 000, 生产者消费者模型, in the order the text builds it up: one producer and one consumer
 * with a {@code None} sentinel (基础版), one producer and two consumers with one sentinel each
 * put by the parent after the producer ended (进阶版), two producers and three consumers (高阶版),
 * and the {@link JoinableQueue} version with daemon consumers and {@code q.join()} (终极版). The
 * seed's 1-2 s delays per item are 20-80 ms here.
 *
 * <p>{@link Queue} is a {@code java.util.concurrent.BlockingQueue} and, like every one, refuses
 * null; {@link #NONE} plays the seed's {@code None}.
 *
 * <pre>
 * def producer(p_name, p_food, q):
 *     for i in range(10):
 *         time.sleep(random.randint(1, 2)); print(f'[{p_name}]制造了[{p_food}]'); q.put(p_food)
 * def consumer(c_name, q):
 *     while True:
 *         c_food = q.get()
 *         if c_food is None: return
 *         time.sleep(random.randint(1, 2)); print(f'[{c_name}]消费了[{c_food}]')
 * </pre>
 */
final class ProducerConsumerDemo implements Demo {
    /** The sentinel: the seed's {@code None}. */
    static final String NONE = "<None>";
    private static final int ITEMS = 10;

    /** The four versions of the seed. */
    enum Variant {
        SENTINEL("producer-consumer", "1 producer, 1 consumer, a None sentinel (seed 000, 基础版)"),
        CONSUMERS("producer-consumers", "1 producer, 2 consumers, one sentinel each (seed 000, 进阶版)"),
        PRODUCERS("producers-consumers", "2 producers, 3 consumers (seed 000, 高阶版)"),
        JOINABLE("joinable-queue", "JoinableQueue, daemon consumers, q.join() (seed 000, 终极版)");

        final String demoName;
        final String description;

        Variant(String demoName, String description) {
            this.demoName = demoName;
            this.description = description;
        }
    }

    private final Variant variant;

    ProducerConsumerDemo(Variant variant) {
        this.variant = variant;
    }

    @Override
    public String name() {
        return variant.demoName;
    }

    @Override
    public String description() {
        return variant.description;
    }

    private static void delay() throws InterruptedException {
        Thread.sleep(ThreadLocalRandom.current().nextInt(20, 81)); // 模拟延迟 (seed: 1-2 s)
    }

    /** Makes ten portions of {@code food} and puts them; with {@code sentinel}, then None. */
    static void producer(String name, String food, Queue<String> q) throws InterruptedException {
        for (int i = 0; i < ITEMS; i++) {
            delay(); // 模拟制造食物延迟
            System.out.printf("[%s]制造了[%s]%n", name, food);
            q.put(food);
        }
    }

    /** The 基础版 producer: puts None itself when it is done. */
    static void producerWithSentinel(String name, String food, Queue<String> q) throws InterruptedException {
        producer(name, food, q);
        q.put(NONE);
    }

    /** Eats until it gets None. */
    static void consumer(String name, Queue<String> q) throws InterruptedException {
        while (true) {
            String food = q.get();
            if (food.equals(NONE)) {
                return;
            }
            delay(); // 模拟消费食物延迟
            System.out.printf("[%s]消费了[%s]%n", name, food);
        }
    }

    /** The 终极版 consumer: never ends by itself; marks each portion done. */
    static void joinableConsumer(String name, JoinableQueue<String> q) throws InterruptedException {
        while (true) {
            String food = q.get(); // 假如没有数据,程序就会在此处进入堵塞态
            delay();
            System.out.printf("%s 消费了 %s%n", name, food);
            q.taskDone(); // 告诉队列你已经从里面取出了一个数据并且处理完毕了
        }
    }

    /** The 终极版 producer. */
    static void joinableProducer(String name, String food, JoinableQueue<String> q) throws InterruptedException {
        for (int i = 0; i < ITEMS; i++) {
            System.out.printf("%s 生产了 %s%n", name, food);
            delay(); // 模拟网络延迟
            q.put(food); // 将数据加入队列
        }
    }

    private static Process started(Process p) {
        p.start();
        return p;
    }

    @Override
    public void run() throws Exception {
        switch (variant) {
            case SENTINEL -> {
                Queue<String> q = Multiprocessing.queue();
                Process p1 = started(new Process(ProducerConsumerDemo::producerWithSentinel, "xxq", "Noodles", q));
                Process c1 = started(new Process(ProducerConsumerDemo::consumer, "darker", q));
                p1.join();
                c1.join();
            }
            case CONSUMERS -> {
                Queue<String> q = Multiprocessing.queue();
                Process p1 = started(new Process(ProducerConsumerDemo::producer, "xxq", "Noodles", q));
                Process c1 = started(new Process(ProducerConsumerDemo::consumer, "darker", q));
                Process c2 = started(new Process(ProducerConsumerDemo::consumer, "ben", q));
                p1.join(); // p1进程执行完成,再放None
                q.put(NONE); // 生产者生产完毕,放2个None
                q.put(NONE);
                c1.join();
                c2.join();
            }
            case PRODUCERS -> {
                Queue<String> q = Multiprocessing.queue();
                Process p1 = started(new Process(ProducerConsumerDemo::producer, "xxq", "Noodles", q));
                Process p2 = started(new Process(ProducerConsumerDemo::producer, "zsy", "Pizza", q));
                List<Process> consumers = new ArrayList<>();
                for (String name : List.of("darker", "ben", "Alen")) {
                    consumers.add(started(new Process(ProducerConsumerDemo::consumer, name, q)));
                }
                p1.join();
                p2.join();
                for (int i = 0; i < consumers.size(); i++) {
                    q.put(NONE); // 有多少消费者就往队列中添加多少None
                }
                for (Process c : consumers) {
                    c.join();
                }
            }
            case JOINABLE -> {
                JoinableQueue<String> q = Multiprocessing.joinableQueue();
                Process p1 = new Process(ProducerConsumerDemo::joinableProducer, "Cook1", "Beef", q);
                Process p2 = new Process(ProducerConsumerDemo::joinableProducer, "Cook2", "Cake", q);
                p1.start();
                p2.start();
                List<Process> consumers = new ArrayList<>();
                for (String name : List.of("Alan", "Ben", "Cindy")) {
                    consumers.add(started(new Process(ProducerConsumerDemo::joinableConsumer, name, q).setDaemon(true))); // 守护进程
                }
                p1.join();
                p2.join();
                q.join(); // 等待队列中所有的数据被取完再执行往下执行代码
                System.out.println("主进程: 队列已处理完毕 (unfinished tasks: " + q.unfinishedTasks() + ")");
                // 只要q.join执行完毕 说明消费者已经处理完数据了 消费者就没有存在的必要了: daemons end with the
                // main program; "./mp4j demo all" goes on to the next demo in this JVM, so end them here
                for (Process c : consumers) {
                    c.terminate();
                    c.join();
                }
            }
        }
    }
}
