package org.multiprocessing4j.cli.demo;

import java.io.Serializable;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.IntStream;
import org.multiprocessing4j.BaseManager;
import org.multiprocessing4j.Connection;
import org.multiprocessing4j.Held;
import org.multiprocessing4j.Lock;
import org.multiprocessing4j.Manager;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Pipe;
import org.multiprocessing4j.Pool;
import org.multiprocessing4j.Process;

/**
 * The Manager examples of seeds 001 and 003.
 *
 * <ul>
 *   <li>{@code manager-dict} (seed 003, 修改字典的值): a child decrements {@code dic['count']}; child
 *       and parent both print {@code {count=99}}.
 *   <li>{@code manager-count} (seed 003, 循环修改 / 加锁): 100 processes decrement a managed count
 *       without a lock (updates are lost: {@code d[k] -= 1} is two calls), then 100 with a
 *       {@code Lock} (exactly 0), then 100 with the server-side atomic {@code merge}.
 *   <li>{@code manager-pool} (seed 001, 服务器进程): pool tasks change a managed dict and list and a
 *       second task prints them.
 *   <li>{@code manager-year} (seed 001): 5 processes add 1 to {@code dict1["year"]} 100 times each
 *       under a lock: {@code {year=2500}}.
 *   <li>{@code manager-queue-pool} (seed 001, 扩展补充): a {@code Manager().Queue()} passed to two
 *       pool tasks that talk through it (a plain Queue cannot go to a CPython Pool; here both can).
 *   <li>{@code manager-distributed} (seed 001, 分布式进程的案例): a BaseManager server with two
 *       registered queues on 127.0.0.1 with an authkey, and two clients in separate processes
 *       exchanging messages through it.
 * </ul>
 */
final class ManagerDemo implements Demo {
    enum Variant { DICT, COUNT, POOL, YEAR, QUEUE_POOL, DISTRIBUTED }

    private final Variant variant;

    ManagerDemo(Variant variant) {
        this.variant = variant;
    }

    @Override
    public String name() {
        return switch (variant) {
            case DICT -> "manager-dict";
            case COUNT -> "manager-count";
            case POOL -> "manager-pool";
            case YEAR -> "manager-year";
            case QUEUE_POOL -> "manager-queue-pool";
            case DISTRIBUTED -> "manager-distributed";
        };
    }

    @Override
    public String description() {
        return switch (variant) {
            case DICT -> "a child changes Manager().dict(); both print {count=99} (seed 003)";
            case COUNT -> "100 processes decrement a managed count: no lock, Lock, atomic merge (seed 003)";
            case POOL -> "pool tasks change a managed dict and list, another prints them (seed 001)";
            case YEAR -> "5 processes x 100 increments of dict1[\"year\"] under a Lock: 2500 (seed 001)";
            case QUEUE_POOL -> "a Manager().Queue() shared by two pool tasks (seed 001)";
            case DISTRIBUTED -> "BaseManager server on 127.0.0.1 with an authkey, two clients talk through it (seed 001)";
        };
    }

    @Override
    public void run() throws Exception {
        switch (variant) {
            case DICT -> dict();
            case COUNT -> count();
            case POOL -> pool();
            case YEAR -> year();
            case QUEUE_POOL -> queuePool();
            case DISTRIBUTED -> distributed();
        }
    }

    // ---- manager-dict ----

    static void func(Map<String, Integer> dic) {
        dic.put("count", dic.get("count") - 1);
        System.out.println(dic);
    }

    private static void dict() throws Exception {
        try (Manager m = Multiprocessing.manager()) { // 创建一个server进程
            Map<String, Integer> dic = m.dict(Map.of("count", 100)); // 这是一个特殊的字典
            Process p = new Process(ManagerDemo::func, dic);
            p.start();
            p.join();
            System.out.println(dic);
        }
    }

    // ---- manager-count ----

    static void decrement(Map<String, Integer> dic) {
        dic.put("count", dic.get("count") - 1); // 每次减1: a get and a put, two calls
    }

    static void decrementLocked(Map<String, Integer> dic, Lock lock) {
        try (Held held = lock.hold()) { // 取得锁 ... 释放锁
            dic.put("count", dic.get("count") - 1);
        }
    }

    static void decrementAtomically(Map<String, Integer> dic) {
        dic.merge("count", -1, (java.util.function.BiFunction<Integer, Integer, Integer> & Serializable) Integer::sum);
    }

    private static void hundred(List<Process> ps) throws InterruptedException {
        for (Process p : ps) {
            p.start();
        }
        for (Process p : ps) { // 等待100个进程全部结束
            p.join();
        }
    }

    /** 100 as in the source text; {@code -Dmp4j.demo.processes=N} runs N (the demo test uses fewer). */
    private static final int PROCESSES = Integer.getInteger("mp4j.demo.processes", 100);

    private static void count() throws Exception {
        Multiprocessing.register(ManagerDemo.class);
        try (Manager m = Multiprocessing.manager()) {
            Map<String, Integer> dic = m.dict(Map.of("count", PROCESSES));
            List<Process> ps = new ArrayList<>();
            for (int i = 0; i < PROCESSES; i++) { // 启动100个进程
                ps.add(new Process(ManagerDemo::decrement, dic));
            }
            hundred(ps);
            System.out.println("without a lock:     " + dic + (dic.get("count") == 0 ? "" : "   (updates were lost)"));

            dic.put("count", PROCESSES);
            Lock lock = Multiprocessing.lock(); // 创建锁
            ps.clear();
            for (int i = 0; i < PROCESSES; i++) {
                ps.add(new Process(ManagerDemo::decrementLocked, dic, lock));
            }
            hundred(ps);
            System.out.println("with a Lock:        " + dic);

            dic.put("count", PROCESSES);
            ps.clear();
            for (int i = 0; i < PROCESSES; i++) {
                ps.add(new Process(ManagerDemo::decrementAtomically, dic));
            }
            hundred(ps);
            System.out.println("with merge (atomic on the server): " + dic);
        }
    }

    // ---- manager-pool ----

    static void test1(Map<Object, Object> d, List<Integer> l) {
        d.put(1, "1");
        d.put("2", 2);
        d.put(0.25, null);
        java.util.Collections.reverse(l);
    }

    static void test2(Map<Object, Object> d, List<Integer> l) {
        System.out.println(d);
        System.out.println(l);
    }

    private static void pool() throws Exception {
        try (Manager manager = Multiprocessing.manager()) {
            Map<Object, Object> dictTest = manager.dict();
            List<Integer> listTest = manager.list(IntStream.range(0, 10).boxed().toList());
            try (Pool pool = Multiprocessing.defaultContext().pool(Multiprocessing.cpuCount())) {
                pool.applyAsync((Map<Object, Object> d, List<Integer> l) -> {
                    test1(d, l);
                    return null;
                }, dictTest, listTest).get();
                pool.applyAsync((Map<Object, Object> d, List<Integer> l) -> {
                    test2(d, l);
                    return null;
                }, dictTest, listTest).get();
                pool.close();
                pool.join();
            }
        }
    }

    // ---- manager-year ----

    static void test(Map<String, Integer> dict1, Lock lock) {
        for (int i = 0; i < 100; i++) {
            try (Held held = lock.hold()) { // 你可以把这句话注释掉,然后就知道为什么加了
                dict1.put("year", dict1.get("year") + 1);
            }
        }
    }

    private static void year() throws Exception {
        try (Manager m = Multiprocessing.manager()) {
            Lock lock = Multiprocessing.lock();
            Map<String, Integer> dict1 = m.dict(Map.of("year", 2000));
            List<Process> pList = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                pList.add(new Process(ManagerDemo::test, dict1, lock));
            }
            for (Process p : pList) {
                p.start();
            }
            for (Process p : pList) {
                p.join();
            }
            System.out.println(dict1);
        }
    }

    // ---- manager-queue-pool ----

    static void proTest1(BlockingQueue<String> q) throws InterruptedException {
        System.out.printf("[子进程1]PPID=%d,PID=%d%n", Pids.ppid(), ProcessHandle.current().pid());
        q.put("[子进程1]小明,今晚撸串不?");
        // 设置一个简版的重试机制(三次重试)
        for (int i = 0; i < 3; i++) {
            String answer = q.poll(); // CPython: if not q.empty(): print(q.get())
            if (answer != null && !answer.startsWith("[子进程1]")) {
                System.out.println(answer);
                break;
            }
            if (answer != null) {
                q.put(answer); // our own question, not read yet: leave it for 子进程2
            }
            Thread.sleep((i + 1) * 2000L); // 第一次2s,第二次4s,第三次6s
        }
    }

    static void proTest2(BlockingQueue<String> q) throws InterruptedException {
        System.out.printf("[子进程2]PPID=%d,PID=%d%n", Pids.ppid(), ProcessHandle.current().pid());
        System.out.println(q.take());
        Thread.sleep(4000); // 模拟一下网络延迟
        q.put("[子进程2]不去,我今天约了妹子");
    }

    private static void queuePool() throws Exception {
        System.out.printf("[父进程]PPID=%d,PID=%d%n", Pids.ppid(), ProcessHandle.current().pid());
        try (Manager m = Multiprocessing.manager()) {
            BlockingQueue<String> queue = m.queue();
            try (Pool p = Multiprocessing.defaultContext().pool(2)) {
                p.applyAsync(q -> {
                    proTest1(q);
                    return null;
                }, queue, r -> { }, System.out::println);
                p.applyAsync(q -> {
                    proTest2(q);
                    return null;
                }, queue, r -> { }, System.out::println);
                p.close();
                p.join();
            }
        }
    }

    // ---- manager-distributed ----

    static final byte[] KEY = "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92".getBytes(StandardCharsets.US_ASCII);

    /** 服务器端代码: two queues registered by name, served on 127.0.0.1 (port chosen by the system). */
    static void server(Connection ready) throws Exception {
        LinkedBlockingQueue<String> getZhangQueue = new LinkedBlockingQueue<>(); // 小张消息队列
        LinkedBlockingQueue<String> getMingQueue = new LinkedBlockingQueue<>(); // 小明消息队列
        // 把Queue注册到网络上, callable参数关联了Queue对象
        BaseManager manager = new BaseManager(new InetSocketAddress("127.0.0.1", 0), KEY)
                .register("get_zhang_queue", BlockingQueue.class, args -> getZhangQueue)
                .register("get_ming_queue", BlockingQueue.class, args -> getMingQueue)
                .serveInBackground();
        ready.send(BaseManager.class.getSimpleName() + "@" + ((InetSocketAddress) manager.address()).getPort());
        ready.close();
        manager.awaitShutdown(Duration.ofMinutes(5)); // until a client asks it to stop
    }

    /** 客户端代码1 (小张). */
    @SuppressWarnings("unchecked")
    static void client1(Integer port) throws InterruptedException {
        BaseManager m = new BaseManager(new InetSocketAddress("127.0.0.1", port), KEY)
                .register("get_ming_queue", BlockingQueue.class)
                .register("get_zhang_queue", BlockingQueue.class)
                .connect(); // 连接到服务器
        BlockingQueue<String> q1 = m.create("get_zhang_queue"); // 在自己队列里面留言
        q1.put("[小张]小明,老大明天是不是去外地办事啊?");
        BlockingQueue<String> q2 = m.create("get_ming_queue"); // 获取小明说的话
        System.out.println(q2.take());
        m.close();
    }

    /** 客户端代码2 (小明). */
    static void client2(Integer port) throws InterruptedException {
        BaseManager m = new BaseManager(new InetSocketAddress("127.0.0.1", port), KEY)
                .register("get_ming_queue", BlockingQueue.class)
                .register("get_zhang_queue", BlockingQueue.class)
                .connect();
        BlockingQueue<String> q1 = m.create("get_zhang_queue"); // 获取小张说的话
        System.out.println(q1.take());
        BlockingQueue<String> q2 = m.create("get_ming_queue"); // 在自己队列里面留言
        q2.put("[小明]这几天咱们终于可以不加班了(>_<)");
        m.close();
    }

    private static void distributed() throws Exception {
        Pipe pipe = Multiprocessing.pipe(false);
        Process server = new Process(ManagerDemo::server, pipe.conn2()).setName("server");
        server.start();
        pipe.conn2().close();
        String ready = (String) pipe.conn1().recv();
        int port = Integer.parseInt(ready.substring(ready.indexOf('@') + 1));
        System.out.println("server: BaseManager serving on 127.0.0.1:" + port + " (authkey required)");
        Process zhang = new Process(ManagerDemo::client1, port).setName("client1");
        Process ming = new Process(ManagerDemo::client2, port).setName("client2");
        zhang.start();
        ming.start();
        zhang.join();
        ming.join();
        new BaseManager(new InetSocketAddress("127.0.0.1", port), KEY).connect().shutdown(); // stop the server
        if (!server.join(Duration.ofSeconds(10))) {
            server.terminate();
            server.join();
        }
        System.out.println("server: stopped (exit code " + server.exitCode().orElse(-1) + ")");
    }
}
