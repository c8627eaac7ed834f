package org.multiprocessing4j.cli.demo;

import org.multiprocessing4j.Process;

/**
 * Seed 001, section 1.1 in OOP form: a subclass of Process overrides run(); its fields travel to
 * the child with it.
 *
 * <pre>
 * class My_Process(Process):
 *     def __init__(self, name):
 *         self.__name = name
 *         Process.__init__(self)
 *     def run(self):
 *         print("[子进程-%s]PID:%d,PPID:%d" % (self.__name, os.getpid(), os.getppid()))
 * </pre>
 */
final class ProcessSubclassDemo implements Demo {
    @Override
    public String name() {
        return "process-subclass";
    }

    @Override
    public String description() {
        return "a Process subclass that overrides run() (seed 001, 1.1)";
    }

    /** CPython's My_Process. */
    static final class MyProcess extends Process {
        private static final long serialVersionUID = 1L;
        private final String who;

        MyProcess(String who) {
            this.who = who;
        }

        @Override
        public void run() {
            System.out.printf("[子进程-%s]PID:%d,PPID:%d%n", who, Pids.pid(), Pids.ppid());
        }
    }

    @Override
    public void run() throws Exception {
        System.out.printf("[父进程]PID:%d,PPID:%d%n", Pids.pid(), Pids.ppid());
        MyProcess p = new MyProcess("萌萌哒"); // run() is what start() runs in the child
        p.start();
        p.join();
    }
}
