package org.multiprocessing4j.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every demo, run as {@code ./mp4j demo NAME} would run it (its own JVM, output captured),
 * checked against what the source text's example shows.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DemosTest {
    @TempDir
    Path dir;

    private String run(String name, String... jvmOptions) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                "org.multiprocessing4j.cli.Main", "demo", name));
        Path out = dir.resolve(name + ".out");
        java.lang.Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(new File("/dev/null")).start();
        if (!p.waitFor(100, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("demo " + name + " did not finish: " + Files.readString(out));
        }
        String text = Files.readString(out);
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    /** The source text's lines: "[父进程]PID:p,PPID:x" and "[子进程-萌萌哒]PID:c,PPID:p". */
    private static void assertTheChildsParentIsTheParent(String text) {
        Matcher parent = Pattern.compile("\\[父进程]PID:(\\d+),PPID:\\d+").matcher(text);
        Matcher child = Pattern.compile("\\[子进程-萌萌哒]PID:(\\d+),PPID:(\\d+)").matcher(text);
        assertTrue(parent.find() && child.find(), text);
        assertEquals(parent.group(1), child.group(2), "the child's PPID is the parent's PID");
    }

    @Test
    void processBasicsShowsTheChildsParentIsTheParent() throws Exception {
        String text = run("process-basics");
        assertTheChildsParentIsTheParent(text);
        assertTrue(text.contains("exit code 0"), text);
    }

    @Test
    void processSubclassRunsItsRunMethodInTheChild() throws Exception {
        assertTheChildsParentIsTheParent(run("process-subclass"));
    }

    @Test
    void daemonChildrenDieWithTheMainProgramAndOthersFinish() throws Exception {
        String text = run("daemon");
        String[] instances = text.split("--- instance ");
        assertEquals(4, instances.length, text);
        for (int i = 1; i <= 3; i++) {
            String s = instances[i];
            assertTrue(s.contains("执行完毕"), s);
            assertTrue(s.contains(">>>>>>start 4") && s.contains(">>>>>>end 4"), "the non-daemonic child finishes: " + s);
            assertFalse(s.contains(">>>>>>end 2"), "the daemonic child is terminated: " + s);
        }
        assertTrue(instances[2].indexOf(">>>>>>start 2") < instances[2].indexOf("执行完毕"),
                "instance 2 sleeps 2 s, so the daemon starts before main ends: " + instances[2]);
    }

    @Test
    void joinInTheLoopRunsTheChildrenOneAfterAnother() throws Exception {
        String text = run("join-order");
        String serial = text.substring(text.indexOf("in the loop"), text.indexOf("-- start all"));
        List<String> lines = serial.lines().filter(l -> l.matches("\\d: ?\\d+ is (running|done)")).toList();
        assertEquals(10, lines.size(), serial);
        for (int i = 0; i < 5; i++) {
            assertTrue(lines.get(2 * i).startsWith(i + ": ") && lines.get(2 * i).endsWith("running"), serial);
            assertTrue(lines.get(2 * i + 1).startsWith(i + ":") && lines.get(2 * i + 1).endsWith("done"), serial);
        }
        String concurrent = text.substring(text.indexOf("-- start all"));
        assertEquals(10, concurrent.lines().filter(l -> l.matches("\\d: ?\\d+ is (running|done)")).count(), concurrent);
    }

    @Test
    void ticketIsOversoldWithoutTheLockAndSoldOnceWithIt() throws Exception {
        String text = run("ticket");
        int split = text.indexOf("--- with a lock");
        assertTrue(split > 0, text);
        String without = text.substring(0, split);
        String with = text.substring(split);
        assertTrue(without.lines().filter(l -> l.endsWith("购票成功")).count() >= 1, without);
        assertEquals(1, with.lines().filter(l -> l.endsWith("购票成功")).count(), "exactly one buyer with the lock: " + with);
        assertEquals(4, with.lines().filter(l -> l.endsWith("购票失败")).count(), with);
        assertTrue(with.contains("ticket file now: {\"count\": 0}"), with);
    }

    @Test
    void ktvHasAtMostFourSingersAtOnce() throws Exception {
        String text = run("ktv");
        int inside = 0;
        int max = 0;
        int entered = 0;
        for (String line : text.lines().toList()) {
            if (line.endsWith("进来唱歌了")) {
                inside++;
                entered++;
                max = Math.max(max, inside);
            } else if (line.endsWith("从ktv出去了")) {
                inside--;
            }
        }
        assertEquals(6, entered, text);
        assertEquals(0, inside, text);
        assertTrue(max <= 4, "at most 4 in the rooms at once: " + text);
    }

    @Test
    void trafficLightLetsEveryCarPassOnGreen() throws Exception {
        String text = run("traffic-light");
        for (int i = 1; i <= 5; i++) {
            assertTrue(text.contains("car" + i + "通过路口"), text);
        }
        assertTrue(text.contains("绿灯亮"), text);
    }

    @Test
    void valueIncrementIsExactWithTheLockOrAtomically() throws Exception {
        String text = run("value-increment");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("without the lock:\\s+(\\d+)").matcher(text);
        assertTrue(m.find(), text);
        assertTrue(Integer.parseInt(m.group(1)) <= 5000, text);
        assertTrue(text.matches("(?s).*with value\\.getLock\\(\\):\\s+5000\\b.*"), text);
        assertTrue(text.matches("(?s).*with value\\.incrementAndGet\\(\\):\\s+5000\\b.*"), text);
    }

    @Test
    void subprocessDemosRunTheirCommands() throws Exception {
        String ls = run("subprocess-ls");
        assertTrue(ls.contains("CompletedProcess(args=[ls, -al], returncode=0)"), ls);
        assertTrue(ls.contains("pom.xml") || ls.contains("total"), ls);
        String ping = run("subprocess-ping");
        assertEquals(5, ping.lines().filter(l -> l.startsWith("64 bytes from 127.0.0.1")).count(), ping);
        String talk = run("subprocess-communicate");
        assertTrue(talk.contains("Out:hello") && talk.contains("6*7=42") && talk.contains("no-such-command-mp4j"), talk);
        String pipeline = run("subprocess-pipeline");
        assertTrue(pipeline.contains("java") && pipeline.contains("return codes [0, 0] (ps, grep)"), pipeline);
    }

    private static long count(String text, String line) {
        return text.lines().filter(l -> l.equals(line)).count();
    }

    @Test
    void queueHelloHandsTheChildsMessageToTheMainProcess() throws Exception {
        String text = run("queue-hello");
        assertTrue(text.contains("I'm Main Process,I'll print Hello World"), text);
        assertTrue(text.contains("I'm task1,my id is ") && text.contains("I'm task2,my id is "), text);
    }

    @Test
    void producerConsumerVariantsEatEveryPortionAndEnd() throws Exception {
        String one = run("producer-consumer");
        assertEquals(10, count(one, "[xxq]制造了[Noodles]"), one);
        assertEquals(10, count(one, "[darker]消费了[Noodles]"), one);
        String two = run("producer-consumers");
        assertEquals(10, count(two, "[xxq]制造了[Noodles]"), two);
        assertEquals(10, count(two, "[darker]消费了[Noodles]") + count(two, "[ben]消费了[Noodles]"), two);
        String many = run("producers-consumers");
        assertEquals(10, count(many, "[xxq]制造了[Noodles]"), many);
        assertEquals(10, count(many, "[zsy]制造了[Pizza]"), many);
        long eaten = many.lines().filter(l -> l.matches("\\[(darker|ben|Alen)]消费了\\[(Noodles|Pizza)]")).count();
        assertEquals(20, eaten, many);
    }

    @Test
    void joinableQueueJoinsOnceEveryPortionIsDone() throws Exception {
        String text = run("joinable-queue");
        assertEquals(10, count(text, "Cook1 生产了 Beef"), text);
        assertEquals(10, count(text, "Cook2 生产了 Cake"), text);
        List<String> lines = text.lines().toList();
        int joined = lines.indexOf("主进程: 队列已处理完毕 (unfinished tasks: 0)");
        assertTrue(joined > 0, text);
        long eatenBefore = lines.subList(0, joined).stream().filter(l -> l.matches("(Alan|Ben|Cindy) 消费了 (Beef|Cake)")).count();
        assertEquals(20, eatenBefore, "join() returns after the 20th task_done: " + text);
    }

    @Test
    void queueFullAndEmptyAsTheSeedPrintsThem() throws Exception {
        String text = run("queue-full-empty");
        assertEquals(2, count(text, "消息队列已满,队列数3,当前存在3条消息"), text);
        assertTrue(text.contains("队列数:3,当前存在3条消息 内容[1, 2, 3, 4]\n队列数:3,当前存在2条消息 内容{a=1, b=2}\n"
                + "队列数:3,当前存在1条消息 内容[1, 2, 3, 4]\n队列数:3,当前存在:0条消息"), text);
    }

    @Test
    void pipeConversationGoesBothWaysAndOneWayPipesRefuseTheOtherWay() throws Exception {
        String text = run("pipe-conversation");
        int child = text.indexOf("[子进程]老爸,老妈回来记得喊我一下~");
        int parent = text.indexOf("[父进程]滚犊子,赶紧写作业,不然我得跪方便面!");
        assertTrue(child >= 0 && parent > child, text);
        assertTrue(text.contains("[子进程]老爸,咱们完了,老妈一直在门口~"), text);
        assertTrue(text.contains("Pipe(duplex=False) 的读端不能发送: connection is read-only"), text);
    }

    @Test
    void pipeEofComesOnceEveryWriterClosed() throws Exception {
        String text = run("pipe-eof");
        for (int i = 1; i <= 20; i++) {
            assertEquals(1, count(text, "吃了么 " + i), text);
        }
        assertTrue(text.contains("EOFError: 所有发送端都已关闭 (20 条消息)"), text);
        for (int i = 0; i < 10; i++) {
            assertEquals(1, count(text, "\033[1;32megon消费了alex泔水" + i + "\033[0m"), text);
        }
        assertTrue(text.contains("egon: EOFError, 生产者已关闭管道"), text);
    }

    @Test
    void poolApplyWaitsForEachResultAndApplyAsyncCollectsThemAll() throws Exception {
        String text = run("pool-apply");
        String sync = text.substring(text.indexOf("-- apply"), text.indexOf("-- applyAsync"));
        String async = text.substring(text.indexOf("-- applyAsync"));
        List<String> syncLines = sync.lines().skip(1).toList();
        for (int i = 0; i < 10; i++) {
            assertTrue(syncLines.get(2 * i).endsWith(" run"), sync);
            assertEquals(String.valueOf(i * i), syncLines.get(2 * i + 1), "apply returns before the next starts: " + sync);
        }
        List<String> results = async.lines().filter(l -> l.matches("\\d+")).toList();
        assertEquals(List.of("0", "1", "4", "9", "16", "25", "36", "49", "64", "81"), results, async);
        assertTrue(async.lines().filter(l -> l.endsWith(" run")).map(l -> l.split(" ")[0]).distinct().count() <= 3, async);
    }

    @Test
    void poolCallbacksRunInTheParent() throws Exception {
        String text = run("pool-callbacks");
        Matcher parent = Pattern.compile("\\[父进程\\]PID=(\\d+)").matcher(text);
        assertTrue(parent.find(), text);
        for (int i = 0; i < 3; i++) {
            assertEquals(1, count(text, "[子进程" + i + "]执行完毕"), text);
        }
        for (int i = 3; i < 5; i++) {
            assertEquals(1, count(text, "[子进程" + i + "]啊,我挂了~ (errorCallback in PID " + parent.group(1) + ")"), text);
        }
        assertTrue(text.trim().endsWith("over"), text);
    }

    @Test
    void poolMapImapAsTheSeedPrintsThem() throws Exception {
        String text = run("pool-map-imap");
        assertTrue(text.contains("超时了~ java.util.concurrent.TimeoutException"), text);
        assertTrue(text.contains("100\n[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]\nResultIterator\n1 4 9 16 25 36 49 64 81\n"), text);
    }

    @Test
    void managerDictIsChangedByAChild() throws Exception {
        assertEquals(List.of("{count=99}", "{count=99}"), run("manager-dict").lines().toList());
    }

    @Test
    void managerCountLosesUpdatesOnlyWithoutALock() throws Exception {
        String text = run("manager-count", "-Dmp4j.demo.processes=20");
        assertTrue(text.contains("with a Lock:        {count=0}"), text);
        assertTrue(text.contains("with merge (atomic on the server): {count=0}"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("without a lock:     {count=")), text);
    }

    @Test
    void managerPoolAndYearShowTheSourceTextsOutput() throws Exception {
        assertEquals(List.of("{1=1, 2=2, 0.25=null}", "[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]"), run("manager-pool").lines().toList());
        assertEquals(List.of("{year=2500}"), run("manager-year").lines().toList());
    }

    @Test
    void managerQueueIsSharedByTwoPoolTasks() throws Exception {
        String text = run("manager-queue-pool");
        int question = text.indexOf("[子进程1]小明,今晚撸串不?");
        int answer = text.indexOf("[子进程2]不去,我今天约了妹子");
        assertTrue(question > 0 && answer > question, text);
    }

    @Test
    void managerDistributedClientsTalkThroughTheServer() throws Exception {
        String text = run("manager-distributed");
        assertTrue(text.contains("[小张]小明,老大明天是不是去外地办事啊?"), text);
        assertTrue(text.contains("[小明]这几天咱们终于可以不加班了(>_<)"), text);
        assertTrue(text.contains("server: stopped (exit code 0)"), text);
    }

    @Test
    void clusterDistributedClientsTalkThroughTheClustersQueues() throws Exception {
        String text = run("cluster-distributed");
        assertTrue(text.contains("cluster: 3 members on 127.0.0.1:"), text);
        assertTrue(text.contains("[小张]小明,老大明天是不是去外地办事啊?"), text);
        assertTrue(text.contains("[小明]这几天咱们终于可以不加班了(>_<)"), text);
        assertTrue(text.contains("clients: exit codes 0 and 0"), text);
    }

    @Test
    void clusterPoolRunsTasksOnEveryMember() throws Exception {
        String text = run("cluster-pool");
        Matcher pids = Pattern.compile("pids \\[(\\d+), (\\d+), (\\d+)]").matcher(text);
        assertTrue(pids.find(), text);
        for (int i = 1; i <= 9; i++) {
            assertTrue(text.contains("task " + i + " ran on member pid "), text);
        }
        assertTrue(text.contains("members that ran tasks: 3 "), text);
        for (int g = 1; g <= 3; g++) {
            assertTrue(text.contains("ran on member pid " + pids.group(g)), "member " + pids.group(g) + " ran a task: " + text);
        }
    }

    @Test
    void poolEchoServerAnswersEveryClientLine() throws Exception {
        String text = run("pool-echo-server");
        for (int i = 0; i < 6; i++) {
            assertTrue(text.contains("client got: HELLO " + i + " (pid "), text);
        }
        assertTrue(text.contains("connections served by the pool: 6"), text);
    }

    @Test
    void csharpTaskExamplesBehaveAsTheirCSharpOriginals() throws Exception {
        String all = run("csharp-when-all");
        assertTrue(all.indexOf("a.example") < all.indexOf("b.example") && all.indexOf("b.example") < all.indexOf("c.example"), all);
        assertTrue(run("csharp-when-any").contains("first: <html>ip-api-2 from pid "));
        assertTrue(run("csharp-timeout-cancel").contains("false (cancelled: true)"));
        String retry = run("csharp-retry");
        assertTrue(retry.contains("attempt 3") && retry.contains("content on attempt 3") && !retry.contains("attempt 4"), retry);
        String squares = run("csharp-parallel-squares");
        String ordered = squares.substring(squares.indexOf("AsOrdered"));
        assertEquals(List.of("1", "4", "9", "16", "25", "49", "64", "81"), ordered.lines().skip(1).toList(), squares);
        String unordered = squares.substring(0, squares.indexOf("AsParallel().AsOrdered"));
        assertEquals(java.util.Set.of("1", "4", "9", "16", "25", "49", "64", "81"),
                new java.util.HashSet<>(unordered.lines().skip(1).toList()), squares);
        assertEquals(2, count(run("csharp-aggregate"), "499999500000"));
    }
}
