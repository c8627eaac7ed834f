package org.multiprocessing4j.cli.demo;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.multiprocessing4j.AsyncResult;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Pool;
import org.multiprocessing4j.Process;
import org.multiprocessing4j.ResultIterator;
import org.multiprocessing4j.Semaphore;

/**
 * The process-pool examples of seeds 001 and 003.
 *
 * <ul>
 *   <li>{@code pool-apply} (seed 003, 进程池的同步调用 / 异步调用): {@code Pool(3)}; {@code apply} ten
 *       times, each waits for its result; then {@code applyAsync} ten times, {@code close},
 *       {@code join}, and {@code get} on every result. The tasks sleep 0.2 s (the seed: 1 s and
 *       random) so the demo stays short; the printed pids show three workers reused.
 *   <li>{@code pool-callbacks} (seed 001, 1.3 源码拓展): five {@code applyAsync}; tasks 3 and 4 raise,
 *       their {@code errorCallback} prints the exception, the others' {@code callback} prints
 *       the result, in the parent process.
 *   <li>{@code pool-map-imap} (seed 001): {@code get(timeout=1)} on a task that sleeps 2 s times
 *       out; then in {@code Pool(4)}: {@code apply_async(test, 10).get()}, {@code map(test,
 *       range(10))}, and an {@code imap} iterator: one {@code next()}, then the rest in a loop.
 *   <li>{@code pool-vs-processes} (seed 003, 进程池和多进程效率对比): 100 tiny tasks through
 *       {@code Pool(2)} against one process per task; both times printed.
 *   <li>{@code pool-echo-server} (seed 003, 进程池版socket并发聊天): a pool of 2 workers serves an echo
 *       server on 127.0.0.1 (each worker accepts on the same port, SO_REUSEPORT, as Java cannot
 *       hand a socket to another JVM); a client in the main process sends 6 lines on 6
 *       connections and prints each reply with the pid that served it.
 * </ul>
 */
final class PoolDemo implements Demo {
    enum Variant { APPLY, CALLBACKS, MAP_IMAP, VS_PROCESSES, ECHO_SERVER }

    private final Variant variant;

    PoolDemo(Variant variant) {
        this.variant = variant;
    }

    @Override
    public String name() {
        return switch (variant) {
            case APPLY -> "pool-apply";
            case CALLBACKS -> "pool-callbacks";
            case MAP_IMAP -> "pool-map-imap";
            case VS_PROCESSES -> "pool-vs-processes";
            case ECHO_SERVER -> "pool-echo-server";
        };
    }

    @Override
    public String description() {
        return switch (variant) {
            case APPLY -> "Pool(3): apply (waits for each result) vs applyAsync, close, join, get (seed 003)";
            case CALLBACKS -> "applyAsync with callback and errorCallback, run in the parent (seed 001)";
            case MAP_IMAP -> "get with timeout, map and imap of x*x (seed 001)";
            case VS_PROCESSES -> "100 tasks: a pool of 2 against one process per task (seed 003)";
            case ECHO_SERVER -> "an echo server on 127.0.0.1 served by pool workers, driven by a client (seed 003)";
        };
    }

    @Override
    public void run() throws Exception {
        switch (variant) {
            case APPLY -> apply();
            case CALLBACKS -> callbacks();
            case MAP_IMAP -> mapImap();
            case VS_PROCESSES -> versusProcesses();
            case ECHO_SERVER -> echoServer();
        }
    }

    // ---- pool-apply ----

    static int work(Integer n) throws InterruptedException {
        System.out.println(Multiprocessing.currentProcess().pid() + " run");
        Thread.sleep(200);
        return n * n;
    }

    private static void apply() throws Exception {
        try (Pool p = new Pool(3)) { // 进程池中从无到有创建三个进程,以后一直是这三个进程在执行任务
            System.out.println("-- apply (同步调用)");
            for (int i = 0; i < 10; i++) {
                int res = p.apply(PoolDemo::work, i); // 同步调用,直到本次任务执行完毕拿到res
                System.out.println(res);
            }
            System.out.println("-- applyAsync (异步调用)");
            List<AsyncResult<Integer>> resL = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                resL.add(p.applyAsync(PoolDemo::work, i));
            }
            p.close();
            p.join();
            for (AsyncResult<Integer> res : resL) {
                System.out.println(res.get()); // 使用get来获取apply_aync的结果
            }
        }
    }

    // ---- pool-callbacks ----

    static int test(Integer name) throws InterruptedException {
        System.out.printf("[子进程%s]PID=%d,PPID=%d%n", name, ProcessHandle.current().pid(),
                Multiprocessing.parentProcess().map(Process::pid).orElse(0L));
        Thread.sleep(200);
        return name;
    }

    static int errorTest(Integer name) {
        System.out.printf("[子进程%s]PID=%d,PPID=%d%n", name, ProcessHandle.current().pid(),
                Multiprocessing.parentProcess().map(Process::pid).orElse(0L));
        throw new IllegalStateException("[子进程" + name + "]啊,我挂了~");
    }

    private static void callbacks() throws Exception {
        System.out.printf("[父进程]PID=%d,PPID=%d%n", ProcessHandle.current().pid(),
                ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L));
        Pool p = new Pool(); // CPU默认核数
        for (int i = 0; i < 5; i++) {
            if (i > 2) { // 搞2个出错的看看
                p.applyAsync(PoolDemo::errorTest, i, result -> System.out.printf("[子进程%s]执行完毕%n", result),
                        error -> System.out.println(error.getMessage() + " (errorCallback in PID " + ProcessHandle.current().pid() + ")"));
            } else { // 异步执行,成功后执行callback函数
                p.applyAsync(PoolDemo::test, i, result -> System.out.printf("[子进程%s]执行完毕%n", result), null);
            }
        }
        p.close(); // 关闭池,不再加入新任务
        p.join(); // 等待所有子进程执行完毕回收资源
        System.out.println("over");
    }

    // ---- pool-map-imap ----

    static int square(Integer x) {
        return x * x;
    }

    static int slowSquare(Integer x) throws InterruptedException {
        Thread.sleep(2000);
        return x * x;
    }

    private static void mapImap() throws Exception {
        try (Pool pool = new Pool()) {
            AsyncResult<Integer> task = pool.applyAsync(PoolDemo::slowSquare, 10);
            System.out.println(task);
            try {
                System.out.println(task.get(Duration.ofSeconds(1)));
            } catch (TimeoutException ex) {
                System.out.println("超时了~ " + ex);
            }
            task.cancel(true);
        }
        try (Pool pool = new Pool(4)) {
            AsyncResult<Integer> task = pool.applyAsync(PoolDemo::square, 10);
            System.out.println(task.get()); // the seed's get(timeout=1) counts on fork; fresh JVMs may take longer to start
            List<Integer> objList = pool.map(PoolDemo::square, IntStream.range(0, 10).boxed().toList());
            System.out.println(objList);
            ResultIterator<Integer> objIter = pool.imap(PoolDemo::square, IntStream.range(0, 10).boxed().toList()); // 返回一个可迭代类的实例对象
            System.out.println(objIter.getClass().getSimpleName());
            objIter.next();
            StringBuilder line = new StringBuilder();
            for (int i : objIter) {
                line.append(i).append(' ');
            }
            System.out.println(line.toString().trim());
        }
    }

    // ---- pool-vs-processes ----

    static int tiny(Integer n) {
        return n * n;
    }

    private static void versusProcesses() throws Exception {
        List<Integer> items = IntStream.range(0, 100).boxed().toList();
        long t0 = System.nanoTime();
        try (Pool p = new Pool(2)) {
            long sum = 0;
            for (int v : p.map(PoolDemo::tiny, items)) {
                sum += v;
            }
            System.out.printf("进程池: 100 tasks in %.1f ms (pool start included), sum %d%n", (System.nanoTime() - t0) / 1e6, sum);
        }
        t0 = System.nanoTime();
        List<Process> ps = new ArrayList<>();
        for (int i : items) {
            Process p = new Process(PoolDemo::tinyTarget, i);
            p.start();
            ps.add(p);
        }
        for (Process p : ps) {
            p.join();
        }
        System.out.printf("多进程: 100 processes in %.1f ms%n", (System.nanoTime() - t0) / 1e6);
    }

    static void tinyTarget(Integer n) {
        tiny(n);
    }

    // ---- pool-echo-server ----

    /** A worker's loop: accept on the shared port, answer each line in upper case with this pid, until {@code count} connections were served by the pool. */
    static int serve(Integer port, Semaphore bound) throws Exception {
        int served = 0;
        try (ServerSocket server = new ServerSocket()) {
            server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            bound.release();
            server.setSoTimeout(3000);
            while (true) {
                Socket conn;
                try {
                    conn = server.accept();
                } catch (java.net.SocketTimeoutException e) {
                    return served; // the client is done
                }
                try (conn; BufferedReader in = new BufferedReader(new InputStreamReader(conn.getInputStream(), StandardCharsets.UTF_8));
                     PrintWriter out = new PrintWriter(conn.getOutputStream(), true, StandardCharsets.UTF_8)) {
                    String msg = in.readLine();
                    if ("quit".equals(msg)) {
                        return served;
                    }
                    out.println(msg.toUpperCase() + " (pid " + ProcessHandle.current().pid() + ")");
                    served++;
                }
            }
        }
    }

    private static void echoServer() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (Pool p = new Pool(2)) {
            Semaphore bound = Multiprocessing.semaphore(0);
            List<AsyncResult<Integer>> servers = List.of(p.applyAsync(PoolDemo::serve, port, bound), p.applyAsync(PoolDemo::serve, port, bound));
            for (int i = 0; i < 2; i++) { // both workers listen before the client starts
                if (!bound.tryAcquire(Duration.ofSeconds(60))) {
                    throw new IllegalStateException("the pool's workers did not bind 127.0.0.1:" + port);
                }
            }
            for (int i = 0; i < 6; i++) {
                String reply = null;
                for (int attempt = 0; reply == null && attempt < 100; attempt++) {
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                         PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
                         BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                        out.println("hello " + i);
                        reply = in.readLine();
                    } catch (java.net.ConnectException e) {
                        Thread.sleep(20); // the workers are still binding
                    }
                }
                System.out.println("client got: " + reply);
            }
            for (int i = 0; i < 2; i++) { // one quit per worker; a worker that gets none ends on its accept timeout
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                     PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
                    out.println("quit");
                } catch (java.io.IOException e) {
                    // refused, or reset: the kernel gave the connection to the listener of a worker
                    // that had its quit and closed its socket meanwhile (SO_REUSEPORT)
                    break;
                }
            }
            int total = 0;
            for (AsyncResult<Integer> s : servers) {
                total += s.get();
            }
            System.out.println("connections served by the pool: " + total);
        }
    }
}
