package org.multiprocessing4j.internal.process;

/** Exit codes as people read them: {@code SIGKILL(-9)} (loky's format), or the plain number. */
public final class Signals {
    private static final String[] NAMES = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM"
    };

    private Signals() {}

    /** {@code "SIGKILL(-9)"} for -9, {@code "1"} for 1. */
    public static String describe(int exitCode) {
        if (exitCode < 0 && -exitCode < NAMES.length) {
            return NAMES[-exitCode] + "(" + exitCode + ")";
        }
        return Integer.toString(exitCode);
    }
}
