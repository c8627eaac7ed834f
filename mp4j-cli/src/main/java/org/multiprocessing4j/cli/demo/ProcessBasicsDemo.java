package org.multiprocessing4j.cli.demo;

import org.multiprocessing4j.Process;

/**
 * Seed 001, section 1.1: a child process from a function with an argument; the parent and the
 * child print their PID and PPID.
 *
 * <pre>
 * def test(name):
 *     print("[子进程-%s]PID:%d,PPID:%d" % (name, os.getpid(), os.getppid()))
 * p = Process(target=test, args=("萌萌哒", ))
 * p.start()
 * p.join()
 * </pre>
 */
final class ProcessBasicsDemo implements Demo {
    @Override
    public String name() {
        return "process-basics";
    }

    @Override
    public String description() {
        return "parent and child print PID and PPID; Process(target, args) (seed 001, 1.1)";
    }

    static void test(String name) {
        System.out.printf("[子进程-%s]PID:%d,PPID:%d%n", name, Pids.pid(), Pids.ppid());
    }

    @Override
    public void run() throws Exception {
        System.out.printf("[父进程]PID:%d,PPID:%d%n", Pids.pid(), Pids.ppid());
        Process p = new Process(ProcessBasicsDemo::test, "萌萌哒"); // a one-element tuple: (x,)
        p.start();
        p.join(); // the parent reaps the child
        System.out.println("child " + p.name() + " exit code " + p.exitCode().getAsInt());
    }
}
