package org.multiprocessing4j.cli.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.multiprocessing4j.Process;

/**
 * Seed 002, "守护进程" instances 1-3: a daemonic child is terminated when the parent's main
 * program ends; a non-daemonic child is waited for.
 *
 * <pre>
 * def walk(n):
 *     print('>>>>>>start', n); time.sleep(3); print('>>>>>>end', n)
 * p1 = Process(target=walk, args=(2,)); p2 = Process(target=walk, args=(4,))
 * p1.daemon = True
 * p1.start(); p2.start()
 * print('执行完毕')                      # instance 1
 * time.sleep(2); print('执行完毕')       # instance 2
 * print('执行完毕'); time.sleep(0.1)     # instance 3
 * </pre>
 *
 * Each instance is a program of its own (a separate JVM whose main method ends), because what it
 * shows is what happens when the parent's main program ends: the daemonic p1 never prints
 * "end 2", and in instance 1 it is usually terminated before it prints anything, while p2 always
 * runs to its end.
 */
final class DaemonDemo implements Demo {
    @Override
    public String name() {
        return "daemon";
    }

    @Override
    public String description() {
        return "daemon vs non-daemon children when the parent's main ends (seed 002, instances 1-3)";
    }

    static void walk(int n) throws InterruptedException {
        System.out.println(">>>>>>start " + n);
        Thread.sleep(3000);
        System.out.println(">>>>>>end " + n);
    }

    /** One instance as a program: {@code java ... DaemonDemo$Instance N}. */
    public static final class Instance {
        private Instance() {}

        public static void main(String[] args) throws Exception {
            int instance = Integer.parseInt(args[0]);
            Process p1 = new Process(DaemonDemo::walk, 2);
            Process p2 = new Process(DaemonDemo::walk, 4);
            p1.setDaemon(true);
            p1.start();
            p2.start();
            if (instance == 2) {
                Thread.sleep(2000);
            }
            System.out.println("执行完毕");
            if (instance == 3) {
                Thread.sleep(100);
            }
            // main returns: p1 (daemonic) is terminated, p2 is joined, as in CPython
        }
    }

    @Override
    public void run() throws Exception {
        for (int instance = 1; instance <= 3; instance++) {
            System.out.println("--- instance " + instance);
            System.out.flush();
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(List.of("--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                    "--sun-misc-unsafe-memory-access=allow", "-XX:+UseSerialGC"));
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Instance.class.getName(), Integer.toString(instance)));
            java.lang.Process program = new ProcessBuilder(cmd).inheritIO().start();
            int status = program.waitFor();
            if (status != 0) {
                throw new IllegalStateException("instance " + instance + " exited with status " + status);
            }
        }
    }
}
