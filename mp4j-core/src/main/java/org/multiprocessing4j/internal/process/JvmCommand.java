package org.multiprocessing4j.internal.process;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The command line of a child JVM: this JVM's java executable and class path, the options a
 * child needs (and those of its warm-up), the options of this JVM that matter to code (system
 * properties, module opens/exports, assertions, stack size), the context's own options, and the
 * AOT cache when one is ready.
 *
 * <p>Not inherited: heap sizes, GC choice, agents, debugger and JFR options, and any
 * {@code -XX:} option of this JVM: a child is a small worker, configured by the context.
 */
public final class JvmCommand {
    /** The child's entry point. */
    public static final String MAIN_CLASS = "org.multiprocessing4j.internal.process.ChildMain";

    /**
     * Options every child runs with: Fory reflects into java.lang.invoke and uses sun.misc.Unsafe
     * (which JDK 25 otherwise warns about on stderr), and later layers call native code.
     */
    static final List<String> REQUIRED = List.of(
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");

    /**
     * Options of the warm-up every pre-started child runs ({@code SharedWarmup}): its own methods
     * are never compiled, so they call the library's entry points ({@code Queue.get},
     * {@code Queue.put}...) from the interpreter, as the first iterations of a user's loop in a
     * fresh child do. A compiled warm-up loop inlines those entry points into itself, after which
     * their own compiled versions (the ones a user's new loop calls) stop counting calls and stay at
     * C1: C2 then compiled them inside the child's timed work. Measured (2026-11-24, a
     * one-producer one-consumer queue sample of 200,000 ints in children from the warm reserve,
     * {@code -Xlog:jit+compilation}): {@code Queue.get} compiled by C2 within the window in 12 of
     * 12 consumers without this (1-34 ms from the compilation's start to its installation, beside
     * the two main threads), in none with it. The bench's throughput rows did not move beyond
     * their noise (docs/benchmarks.md, nineteenth session). The warm-up itself got shorter: a
     * pre-started JVM's refill took 2.2-2.5 s instead of 3.0-3.8 (one JVM alone, two runs of each
     * build; likely because C2 no longer compiles the warm-up's own large loops, not measured
     * apart). {@code quiet}: the JVM would otherwise print the command on the child's stdout
     * (the exact output {@code ParentJvmTest} checks). A side effect: the echo of any
     * {@code -XX:CompileCommand} of the context's own options is silent too.
     */
    static final List<String> WARM_UP = List.of(
            "-XX:CompileCommand=quiet",
            "-XX:CompileCommand=exclude,org.multiprocessing4j.SharedWarmup::*");

    private static final List<String> INHERITED_PREFIXES = List.of(
            "-D", "--add-opens", "--add-exports", "--add-reads", "--add-modules", "--enable-native-access",
            "--enable-preview", "-ea", "-enableassertions", "-da", "-disableassertions", "-esa", "-dsa", "-Xss",
            "-Dfile.encoding", "--sun-misc-unsafe-memory-access");
    private static final Set<String> TAKES_VALUE = Set.of(
            "--add-opens", "--add-exports", "--add-reads", "--add-modules", "--enable-native-access");

    private final String java;
    private final String classPath;
    private final List<String> options;

    /**
     * @param childOptions the context's options for children (heap, GC, JIT...)
     * @param inherit whether to pass on this JVM's code-relevant options
     */
    public JvmCommand(List<String> childOptions, boolean inherit) {
        this(childOptions, inherit, System.getProperty("java.class.path", ""));
    }

    JvmCommand(List<String> childOptions, boolean inherit, String classPath) {
        this.java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        this.classPath = classPath;
        Set<String> opts = new LinkedHashSet<>(REQUIRED);
        opts.addAll(WARM_UP);
        if (inherit) {
            opts.addAll(inheritedOptions());
        }
        opts.addAll(childOptions);
        this.options = List.copyOf(opts);
    }

    /** The class path children run with (this JVM's). */
    public String classPath() {
        return classPath;
    }

    /** The options before the AOT cache option: what an AOT cache must be built with. */
    public List<String> options() {
        return options;
    }

    /** The full command for a child in {@code mode} ("spawn", "warm", "--train"...). */
    public List<String> command(Path aotCache, List<String> extraOptions, String... mainArgs) {
        List<String> cmd = new ArrayList<>(options.size() + 8 + mainArgs.length);
        cmd.add(java);
        cmd.addAll(options);
        cmd.addAll(extraOptions);
        if (aotCache != null) {
            cmd.add("-XX:AOTCache=" + aotCache);
        }
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(MAIN_CLASS);
        cmd.addAll(List.of(mainArgs));
        return cmd;
    }

    /** True when every class path entry is a jar: the condition for an AOT cache. */
    public boolean classPathIsJarsOnly() {
        if (classPath.isEmpty()) {
            return false;
        }
        for (String e : classPath.split(File.pathSeparator)) {
            if (!e.endsWith(".jar") || !new File(e).isFile()) {
                return false;
            }
        }
        return true;
    }

    static List<String> inheritedOptions() {
        List<String> in = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            String a = in.get(i);
            if (a.startsWith("-Djava.class.path") || a.startsWith("-Dsun.java.command") || a.startsWith("-Djdk.module")) {
                continue;
            }
            if (TAKES_VALUE.contains(a) && i + 1 < in.size()) {
                out.add(a + "=" + in.get(++i));
                continue;
            }
            for (String p : INHERITED_PREFIXES) {
                if (a.startsWith(p)) {
                    out.add(a);
                    break;
                }
            }
        }
        return out;
    }
}
