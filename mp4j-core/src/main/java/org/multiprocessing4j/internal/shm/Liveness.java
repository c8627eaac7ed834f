package org.multiprocessing4j.internal.shm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a process recorded in shared memory is still alive. A process is named by its pid and
 * its start time (clock ticks since boot, field 22 of {@code /proc/PID/stat}), so that a pid
 * reused by a later process is not taken for the one that died. A zombie (dead, not yet reaped
 * by its parent) counts as dead: it holds nothing any more.
 *
 * <p>Each check reads one small {@code /proc} file (tens of microseconds): it is done only on slow
 * paths, after a waiter has slept a whole slice.
 */
public final class Liveness {
    /** This process's pid. */
    public static final int PID = (int) ProcessHandle.current().pid();
    /** This process's start time in clock ticks since boot (0 when {@code /proc} does not say). */
    public static final long START = Math.max(0, startOf(PID));

    private Liveness() {}

    /** The start time of {@code pid}, or -1 when there is no such living process (absent, zombie). */
    public static long startOf(int pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        int close = stat.lastIndexOf(')'); // the command name may contain spaces and parentheses
        if (close < 0 || close + 2 >= stat.length()) {
            return -1;
        }
        char state = stat.charAt(close + 2);
        if (state == 'Z' || state == 'X' || state == 'x') {
            return -1;
        }
        String[] fields = stat.substring(close + 2).split(" ");
        try {
            return fields.length > 19 ? Long.parseLong(fields[19]) : 0; // field 22 is the 20th after ')'
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * True when the process {@code pid} that started at {@code start} (0: unknown) still runs. A
     * pid that now belongs to a process started at another time counts as dead. Start times are
     * compared on their low 32 bits (a {@code Mutex} keeps only those beside the pid: at 100
     * ticks a second they repeat after 497 days, and a pid would have to be reused by a process
     * started exactly so much later).
     */
    public static boolean isAlive(int pid, long start) {
        if (pid == PID) {
            return start == 0 || (int) start == (int) START;
        }
        long now = startOf(pid);
        if (now < 0) {
            return false;
        }
        return start == 0 || now == 0 || (int) now == (int) start;
    }
}
