package org.multiprocessing4j.internal.shm;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Linux futex wait and wake on a 32-bit word of shared memory, through an FFM downcall to libc's
 * {@code syscall}. The operations are the non-private ones ({@code FUTEX_WAIT}, {@code FUTEX_WAKE}
 * without {@code FUTEX_PRIVATE_FLAG}): the kernel keys them by the mapped file and offset, so a
 * wait in one process is woken by a wake in another.
 *
 * <p>Costs measured on the project's machines (DESIGN.md): a wake with no waiter about 0.37 us,
 * a real sleep and wake 10-50 us, linking the downcall 57-83 ms in a cold JVM. The link is done
 * on first use, so a process that never sleeps never pays it; callers spin briefly first and
 * keep a count of sleepers so that a release wakes only when someone sleeps.
 *
 * <p>A futex wait cannot be interrupted by {@link Thread#interrupt()}: callers wait in bounded
 * slices and check the interrupt status between them (see {@link Waiter}).
 */
public final class Futex {
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int ETIMEDOUT = 110;

    /** What a wait ended with. */
    public enum Outcome { WOKEN, VALUE_CHANGED, TIMED_OUT, INTERRUPTED }

    private Futex() {}

    /** Holder: the downcall is linked when a thread first waits or wakes. */
    @SuppressWarnings("restricted") // the one native call of the library; children run with --enable-native-access
    private static final class Native {
        static final long SYS_FUTEX = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 202;
            case "aarch64" -> 98;
            default -> throw new UnsupportedOperationException(
                    "futex: unsupported architecture " + System.getProperty("os.arch"));
        };
        static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        /** {@code long syscall(long nr, ...)} with every variadic argument passed as a long. */
        static final MethodHandle SYSCALL;

        static {
            if (!System.getProperty("os.name").startsWith("Linux")) {
                throw new UnsupportedOperationException("futex: Linux only, this is " + System.getProperty("os.name"));
            }
            Linker linker = Linker.nativeLinker();
            SYSCALL = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                            JAVA_LONG, JAVA_LONG),
                    Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
        }

        /** Per-thread scratch memory: a {@code struct timespec} (16 bytes), then the captured errno. */
        static final ThreadLocal<MemorySegment> SCRATCH = ThreadLocal.withInitial(
                () -> Arena.ofAuto().allocate(16 + CALL_STATE.byteSize(), 8));
    }

    /**
     * Sleeps while the int at {@code address} equals {@code expected}, at most {@code timeoutNanos}
     * (no limit when negative). Returns at once with {@link Outcome#VALUE_CHANGED} when the value
     * differs already; this check and the sleep are atomic with respect to {@link #wake}.
     *
     * @param address the native address of a 4-byte aligned int in a shared mapping
     */
    public static Outcome await(long address, int expected, long timeoutNanos) {
        MemorySegment scratch = Native.SCRATCH.get();
        long timespec = 0;
        if (timeoutNanos >= 0) {
            scratch.set(JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            scratch.set(JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
            timespec = scratch.address();
        }
        MemorySegment state = scratch.asSlice(16);
        long r;
        try {
            r = (long) Native.SYSCALL.invokeExact(state, Native.SYS_FUTEX, address, (long) FUTEX_WAIT,
                    (long) expected, timespec, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("futex wait failed", t);
        }
        if (r == 0) {
            return Outcome.WOKEN;
        }
        int errno = (int) Native.ERRNO.get(state, 0L);
        return switch (errno) {
            case EAGAIN -> Outcome.VALUE_CHANGED;
            case ETIMEDOUT -> Outcome.TIMED_OUT;
            case EINTR -> Outcome.INTERRUPTED;
            default -> throw new IllegalStateException("futex wait failed: errno " + errno);
        };
    }

    /** Wakes at most {@code count} threads sleeping on the int at {@code address}; returns how many woke. */
    public static int wake(long address, int count) {
        MemorySegment scratch = Native.SCRATCH.get().asSlice(16);
        long r;
        try {
            r = (long) Native.SYSCALL.invokeExact(scratch, Native.SYS_FUTEX, address, (long) FUTEX_WAKE,
                    (long) count, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("futex wake failed", t);
        }
        if (r < 0) {
            throw new IllegalStateException("futex wake failed: errno " + (int) Native.ERRNO.get(scratch, 0L));
        }
        return (int) r;
    }

}
