package org.multiprocessing4j.cli.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.Queue;

/**
 * The first queue examples of seeds 000 and 001.
 *
 * <ul>
 *   <li>{@code queue-hello} (seed 000, 实例): task1 puts 'Hello World' into {@code Queue(5)}, task2
 *       does not read it, and the main process prints what it gets.
 *   <li>{@code queue-full-empty} (seed 001, 进程间通信1): {@code Queue(3)} takes a list, a dict
 *       and a set; a fourth {@code put} with a 2 s timeout and a {@code put_nowait} both fail
 *       with Full; then {@code get_nowait} until {@code empty()}, printing {@code qsize()}.
 * </ul>
 */
final class QueueDemo implements Demo {
    private final boolean fullEmpty;

    QueueDemo(boolean fullEmpty) {
        this.fullEmpty = fullEmpty;
    }

    @Override
    public String name() {
        return fullEmpty ? "queue-full-empty" : "queue-hello";
    }

    @Override
    public String description() {
        return fullEmpty ? "Queue(3): put with timeout and putNowait raise Full, getNowait until empty (seed 001)"
                : "a child puts 'Hello World', the main process gets it (seed 000)";
    }

    static void task1(Queue<String> q) throws InterruptedException {
        System.out.println("I'm task1,my id is " + ProcessHandle.current().pid());
        q.put("Hello World");
    }

    static void task2(Queue<String> q) {
        // res=q.get()
        System.out.println("I'm task2,my id is " + ProcessHandle.current().pid());
    }

    @Override
    public void run() throws Exception {
        if (!fullEmpty) {
            Queue<String> q = Multiprocessing.queue(5);
            Process t1 = new Process(QueueDemo::task1, q);
            t1.start();
            Process t2 = new Process(QueueDemo::task2, q);
            t2.start();
            System.out.println("I'm Main Process,I'll print " + q.get());
            t1.join();
            t2.join();
            return;
        }
        Queue<Object> q = Multiprocessing.queue(3); // 只能 put 3条消息
        q.put(new ArrayList<>(List.of(1, 2, 3, 4))); // put一个List类型的消息
        q.put(dict()); // put一个Dict类型的消息
        q.put(new LinkedHashSet<>(List.of(1, 2, 3, 4))); // put一个Set类型的消息
        try {
            q.put("再加条消息呗", Duration.ofSeconds(2)); // 不加timeout,就一直阻塞,等消息队列有空位才能发出去
        } catch (Queue.Full e) {
            System.out.printf("消息队列已满,队列数%s,当前存在%s条消息%n", q.maxsize(), q.qsize());
        }
        try {
            q.putNowait("再加条消息呗"); // 非阻塞,不能put就抛异常
        } catch (Queue.Full e) {
            System.out.printf("消息队列已满,队列数%s,当前存在%s条消息%n", q.maxsize(), q.qsize());
        }
        while (!q.empty()) {
            System.out.printf("队列数:%s,当前存在%s条消息 内容%s%n", q.maxsize(), q.qsize(), q.getNowait());
        }
        System.out.printf("队列数:%s,当前存在:%s条消息%n", q.maxsize(), q.qsize());
    }

    private static Map<String, Integer> dict() {
        Map<String, Integer> d = new LinkedHashMap<>();
        d.put("a", 1);
        d.put("b", 2);
        return d;
    }
}
