package org.multiprocessing4j.cli.demo;

import java.io.EOFException;
import java.util.concurrent.ThreadLocalRandom;
import org.multiprocessing4j.Connection;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.Pipe;
import org.multiprocessing4j.Process;

/**
 * The pipe examples of seeds 001 and 003.
 *
 * <ul>
 *   <li>{@code pipe-conversation} (seed 001, 进程间通信~PIPE管道通信): the child and the parent
 *       talk over a duplex {@code Pipe()}, then the same over {@code Pipe(duplex=False)}, where one
 *       end only reads and the other only writes.
 *   <li>{@code pipe-eof} (seed 003): a child reads until {@code EOFError}, which comes once every
 *       process holding the writing end has closed it; then the pipe version of producer and
 *       consumer, each closing the end it does not use.
 * </ul>
 *
 * <pre>
 * def func(conn1, conn2):
 *     conn2.close()
 *     while True:
 *         try: print(conn1.recv())
 *         except EOFError: conn1.close(); break
 * conn1, conn2 = Pipe()
 * Process(target=func, args=(conn1, conn2)).start()
 * conn1.close()
 * for i in range(20): conn2.send('吃了么')
 * conn2.close()
 * </pre>
 */
final class PipeDemo implements Demo {
    private final boolean eof;

    PipeDemo(boolean eof) {
        this.eof = eof;
    }

    @Override
    public String name() {
        return eof ? "pipe-eof" : "pipe-conversation";
    }

    @Override
    public String description() {
        return eof ? "recv until EOF once every writer closed; pipe producer/consumer (seed 003)"
                : "a two-way conversation over Pipe(), then Pipe(duplex=False) (seed 001)";
    }

    static void test(Connection w) throws Exception {
        w.send("[子进程]老爸,老妈回来记得喊我一下~");
        String msg = (String) w.recv();
        System.out.println(msg);
    }

    static void onlyWrites(Connection w) throws Exception {
        w.send("[子进程]老爸,咱们完了,老妈一直在门口~"); // 只能写
    }

    static void func(Connection conn1, Connection conn2) throws Exception {
        conn2.close();
        int n = 0;
        while (true) {
            try {
                Object msg = conn1.recv();
                System.out.println(msg + " " + ++n);
            } catch (EOFException e) {
                System.out.println("EOFError: 所有发送端都已关闭 (" + n + " 条消息)");
                conn1.close();
                break;
            }
        }
    }

    /** The seed's producer(pipe1, pipe2, name, food); a target takes at most three arguments, so the food is fixed. */
    static void producer(Connection pipe1, Connection pipe2, String name) throws Exception {
        String food = "泔水";
        pipe1.close();
        for (int i = 0; i < 10; i++) {
            Thread.sleep(ThreadLocalRandom.current().nextInt(50)); // time.sleep(random.random()), shortened
            String f = name + food + i;
            System.out.println("\033[1;31m" + f + "\033[0m");
            pipe2.send(f);
        }
        pipe2.close();
    }

    static void consumer(Connection pipe1, Connection pipe2, String name) throws Exception {
        pipe2.close();
        while (true) {
            try {
                Object f = pipe1.recv();
                System.out.println("\033[1;32m" + name + "消费了" + f + "\033[0m");
                Thread.sleep(ThreadLocalRandom.current().nextInt(50));
            } catch (EOFException e) {
                System.out.println(name + ": EOFError, 生产者已关闭管道");
                pipe1.close();
                break;
            }
        }
    }

    @Override
    public void run() throws Exception {
        if (!eof) {
            Pipe rw = Multiprocessing.pipe();
            Connection r = rw.conn1();
            Connection w = rw.conn2();
            Process p1 = new Process(PipeDemo::test, w);
            p1.start();
            System.out.println(r.recv());
            r.send("[父进程]滚犊子,赶紧写作业,不然我得跪方便面!");
            p1.join();

            Pipe oneWay = Multiprocessing.pipe(false); // conn1 只能读, conn2 只能写
            Process p2 = new Process(PipeDemo::onlyWrites, oneWay.conn2());
            p2.start(); // 你把这个放在join前面就直接死锁了
            System.out.println(oneWay.conn1().recv()); // 只能读
            p2.join();
            try {
                oneWay.conn1().send("试试反方向");
            } catch (IllegalStateException e) {
                System.out.println("Pipe(duplex=False) 的读端不能发送: " + e.getMessage());
            }
            return;
        }
        Pipe pipe = Multiprocessing.pipe();
        Connection conn1 = pipe.conn1();
        Connection conn2 = pipe.conn2();
        Process reader = new Process(PipeDemo::func, conn1, conn2);
        reader.start();
        conn1.close();
        for (int i = 0; i < 20; i++) {
            conn2.send("吃了么");
        }
        conn2.close();
        reader.join();

        System.out.println("--- pipe实现生产者消费者模型");
        Pipe pc = Multiprocessing.pipe();
        Process p = new Process(PipeDemo::producer, pc.conn1(), pc.conn2(), "alex");
        Process c = new Process(PipeDemo::consumer, pc.conn1(), pc.conn2(), "egon");
        p.start();
        c.start();
        pc.conn1().close();
        pc.conn2().close();
        p.join();
        c.join();
    }
}
