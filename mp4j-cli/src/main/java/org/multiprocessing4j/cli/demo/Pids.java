package org.multiprocessing4j.cli.demo;

/** {@code os.getpid()} and {@code os.getppid()}. */
final class Pids {
    private Pids() {}

    static long pid() {
        return ProcessHandle.current().pid();
    }

    static long ppid() {
        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L);
    }
}
