package org.multiprocessing4j.internal.shm;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Creates, attaches and lets go of shared-memory segments, and removes those nobody uses any more
 * (CPython's {@code resource_tracker}, without its flaw of unlinking segments that other
 * processes still use, gh-82300).
 *
 * <h2>Names and permissions</h2>
 * A segment is the file {@code /dev/shm/mp4j-NAME}, mode 0600 (owner only). Generated names are
 * 128 random bits from {@link SecureRandom} in base 32 ({@code r} plus 26 characters), so a
 * segment cannot be guessed. {@code SharedMemory} blocks may be given a name by the user.
 *
 * <h2>Who uses a segment: the kernel keeps the count</h2>
 * Every process that has a segment mapped holds a <em>shared</em> POSIX record lock on its first
 * byte, through one {@link FileChannel} per segment per process. The kernel drops a process's
 * record locks when it ends in any way, {@code kill -9} included. So:
 * <ul>
 *   <li>letting go (the last handle object of this process is closed or collected, or this
 *       process exits): release the shared lock, then try an <em>exclusive</em> lock without
 *       waiting. Getting it proves that no other process holds the segment: unlink it. The last
 *       process out removes the segment;
 *   <li>the sweep (once per process, before it first creates a segment, and in a parent each
 *       time a child JVM is killed by a signal before it could let go of its segments):
 *       every {@code mp4j-} file that can be locked exclusively belongs to processes that are
 *       all dead, since a living user would hold its shared lock: unlink it;
 *   <li>creating: the segment is built under a random {@code .tmp} name, shared-locked at once
 *       (the file is created and opened in one step; a sweep that takes it in the instant before
 *       the lock is noticed, and creation starts again), then published under its name by a hard
 *       link. A creator killed half-way leaves only an unlocked {@code .tmp} file, which the next
 *       sweep removes like any other;
 *   <li>attaching takes the shared lock (waiting, if a process holds it exclusively while it
 *       decides), then checks that the name still refers to the file it opened: a segment that
 *       was unlinked in between is reported as gone, never silently attached.
 * </ul>
 * POSIX record locks belong to a process and are dropped when the process closes <em>any</em>
 * descriptor of the file, so a process opens each segment once: this registry maps names to the
 * one {@link Segment} of this process, counts the handle objects that use it, and keeps the
 * sweep away from segments it holds. This is process-wide state by nature (it mirrors what the
 * kernel keeps per process), hence static.
 *
 * <p>Thread-safety: all methods may be called from any thread; they serialise on one monitor.
 */
public final class Segments {
    /** Where segments live. */
    public static final Path DIR = Path.of(System.getProperty("mp4j.shm.dir", "/dev/shm"));
    /** The file name prefix of every segment. */
    public static final String PREFIX = "mp4j-";
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,200}");
    private static final String TMP_SUFFIX = ".tmp";
    private static final FileAttribute<?> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    /**
     * The source of new segments' names, made at the first creation: a process that only attaches
     * segments (a spawned child given a queue or a lock) never needs it, and a {@code SecureRandom}
     * costs a cold JVM its security providers. Measured (2026-11-25, a spawned child with an AOT
     * cache, {@code -Xlog:class+init}): 25-34 ms from {@code SecureRandom}'s initialisation to
     * the segment's, in every child given a shared object.
     */
    private static final class Names {
        static final SecureRandom RANDOM = new SecureRandom();

        private Names() {}
    }
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private static final Object LOCK = new Object();
    /** This process's segments by name. Guarded by {@link #LOCK}. */
    private static final Map<String, Segment> ATTACHED = new HashMap<>();
    /** Run by {@link #atExit()} before the segments are let go. Guarded by {@link #LOCK}. */
    private static final List<Runnable> EXIT_ACTIONS = new ArrayList<>();
    private static boolean swept; // guarded by LOCK
    /** True once {@link #atExit()} has run: no segment is created or newly mapped after it. Guarded by LOCK. */
    private static boolean exited;
    private static boolean hookInstalled; // guarded by LOCK

    private Segments() {}

    static {
        loadSegmentImplementations();
    }

    /**
     * Loads every {@link MemorySegment} implementation class of the JDK before any code of this
     * library that reads or writes a segment is compiled. C2 compiles a call on a segment against
     * the implementations loaded so far (class hierarchy analysis); the first byte-array segment
     * ({@code MemorySegment.ofArray}, which the pipes and queues use) loads a new one, and the JVM
     * then throws away every such compiled method. Measured (2026-11-23, {@code
     * -Xlog:jit+compilation}): a pre-started JVM's warm-up compiled the lock, value, semaphore,
     * event and array paths, its queue warm-up right after loaded {@code HeapMemorySegmentImpl},
     * and about 60 compiled methods ({@code Lock.lock}, {@code Value.set}, {@code
     * Array.setDouble}, {@code Semaphore.release}, ...) were "marked for deoptimization"; a
     * process started there recompiled them during its first 25,000 lock rounds, which took
     * 15-100 ms instead of 0.5-0.8 ms. Loading the classes takes microseconds.
     */
    private static void loadSegmentImplementations() {
        MemorySegment.ofArray(new byte[0]);
        MemorySegment.ofArray(new char[0]);
        MemorySegment.ofArray(new short[0]);
        MemorySegment.ofArray(new int[0]);
        MemorySegment.ofArray(new float[0]);
        MemorySegment.ofArray(new long[0]);
        MemorySegment.ofArray(new double[0]);
        MemorySegment.ofBuffer(java.nio.ByteBuffer.allocateDirect(1));
        try {
            // a file mapping's segment (how this class maps segments), loaded without mapping anything
            Class.forName("jdk.internal.foreign.MappedMemorySegmentImpl", false, null);
        } catch (ClassNotFoundException e) {
            // another JDK's implementation: nothing to load ahead
        }
    }

    /** A fresh segment with a random name, payload zeroed, used once by the caller. */
    public static Segment create(int kind, long payloadSize) {
        return create(null, kind, payloadSize);
    }

    /**
     * A fresh segment named {@code name} (random when null), payload zeroed, used once by the caller.
     *
     * @throws IllegalArgumentException when the name is malformed or the size negative
     * @throws FileAlreadyExistsException (unchecked, as {@link UncheckedIOException}) when the name is taken
     */
    public static Segment create(String name, int kind, long payloadSize) {
        if (payloadSize < 0) {
            throw new IllegalArgumentException("segment size must not be negative, got " + payloadSize);
        }
        if (name != null) {
            checkName(name);
        }
        synchronized (LOCK) {
            checkNotExited();
            sweepOnce();
            String n = name != null ? name : randomName();
            Path path = DIR.resolve(PREFIX + n);
            Path tmp = null;
            FileChannel ch = null;
            Arena arena = null;
            try {
                FileLock inUse;
                do { // a sweep may take the new file before its lock is held: then it is gone, try again
                    closeQuietly(ch, null);
                    tmp = DIR.resolve(PREFIX + randomName() + TMP_SUFFIX);
                    ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                            StandardOpenOption.WRITE), OWNER_ONLY);
                    inUse = ch.lock(0, 1, true); // from here on no sweep removes the file
                } while (!Files.exists(tmp, LinkOption.NOFOLLOW_LINKS));
                long size = Segment.HEADER_BYTES + payloadSize;
                ch.truncate(size);
                arena = Arena.ofShared();
                MemorySegment whole = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
                Segment.writeHeader(whole, kind, payloadSize);
                try {
                    Files.createLink(path, tmp); // publishes the complete segment; fails when the name is taken
                } finally {
                    Files.deleteIfExists(tmp);
                }
                Segment s = new Segment(n, path, kind, ch, inUse, arena, whole);
                s.users = 1;
                ATTACHED.put(n, s);
                installHook();
                return s;
            } catch (IOException e) {
                closeQuietly(ch, arena);
                try {
                    if (tmp != null) {
                        Files.deleteIfExists(tmp);
                    }
                } catch (IOException ignored) {
                    // best effort: the sweep removes it later
                }
                if (e instanceof FileAlreadyExistsException) {
                    throw new IllegalStateException("shared memory name already exists: " + n + " (" + path + ")", e);
                }
                throw new UncheckedIOException("cannot create shared memory segment " + path, e);
            }
        }
    }

    /**
     * This process's handle on the segment {@code name}, mapping it if needed; counts one more
     * user. {@code expectedKind} below 0 accepts any kind.
     *
     * @throws NoSuchElementException when no such segment exists (any more)
     * @throws IllegalStateException when the file is not a segment of this library, of this
     *     layout version, or of the expected kind
     */
    public static Segment attach(String name, int expectedKind) {
        checkName(name);
        synchronized (LOCK) {
            Segment s = ATTACHED.get(name);
            if (s == null) {
                checkNotExited();
                s = map(name);
                ATTACHED.put(name, s);
                installHook();
            }
            if (expectedKind >= 0 && s.kind() != expectedKind) {
                if (s.users == 0) {
                    ATTACHED.remove(name);
                    letGo(s, true);
                }
                throw new IllegalStateException(String.format("shared memory segment %s is of kind %d, expected %d",
                        name, s.kind(), expectedKind));
            }
            s.users++;
            return s;
        }
    }

    private static Segment map(String name) {
        Path path = DIR.resolve(PREFIX + name);
        FileChannel ch = null;
        Arena arena = null;
        try {
            Object before = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock inUse = ch.lock(0, 1, true); // waits while a last user decides to unlink
            Object after = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            if (!Objects.equals(before, after)) {
                throw new NoSuchFileException(path.toString(), null, "removed while attaching");
            }
            long size = ch.size();
            if (size < Segment.HEADER_BYTES) {
                throw new IllegalStateException("not a multiprocessing4j segment (too short, " + size + " bytes): " + path);
            }
            arena = Arena.ofShared();
            MemorySegment whole = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            int magic = whole.get(JAVA_INT, Segment.MAGIC_OFFSET);
            int version = whole.get(JAVA_INT, Segment.VERSION_OFFSET);
            long payloadSize = whole.get(JAVA_LONG, Segment.PAYLOAD_SIZE_OFFSET);
            if (magic != Segment.MAGIC) {
                throw new IllegalStateException(String.format(
                        "not a multiprocessing4j segment (magic %08x, expected %08x): %s", magic, Segment.MAGIC, path));
            }
            if (version != Segment.VERSION) {
                throw new IllegalStateException(String.format(
                        "segment layout version %d, this library reads version %d: %s", version, Segment.VERSION, path));
            }
            if (payloadSize < 0 || payloadSize > size - Segment.HEADER_BYTES) {
                throw new IllegalStateException("corrupt segment header (payload size " + payloadSize
                        + ", file size " + size + "): " + path);
            }
            return new Segment(name, path, whole.get(JAVA_INT, Segment.KIND_OFFSET), ch, inUse, arena, whole);
        } catch (NoSuchFileException e) {
            closeQuietly(ch, arena);
            throw new NoSuchElementException("no shared memory segment named " + name + " (" + path
                    + "): it was never created here, or every process using it has let go of it");
        } catch (IOException e) {
            closeQuietly(ch, arena);
            throw new UncheckedIOException("cannot attach shared memory segment " + path, e);
        } catch (RuntimeException e) {
            closeQuietly(ch, arena);
            throw e;
        }
    }

    /** Counts one more user of a segment this process has attached (a second handle object on it). */
    public static void retain(Segment s) {
        synchronized (LOCK) {
            if (s.detached) {
                throw new IllegalStateException("segment already let go: " + s.name());
            }
            s.users++;
        }
    }

    /**
     * Counts one more user of the segment {@code name} if this process has it attached.
     *
     * @return the segment, or null when it is not attached here
     */
    public static Segment retain(String name) {
        synchronized (LOCK) {
            Segment s = ATTACHED.get(name);
            if (s == null || s.detached) {
                return null;
            }
            s.users++;
            return s;
        }
    }

    /**
     * One user of this process is done with the segment; when it was the last, this process lets
     * go of it, and removes it when no other process uses it.
     */
    public static void release(Segment s) {
        synchronized (LOCK) {
            if (s.detached || --s.users > 0) {
                return;
            }
            ATTACHED.remove(s.name(), s);
            letGo(s, true);
        }
    }

    /**
     * Lets go of the segment {@code name} in this process at once, whatever its handle objects
     * (they must not be used any more): for short-lived internal objects such as warm-up ones.
     */
    public static void discard(String name) {
        synchronized (LOCK) {
            Segment s = ATTACHED.remove(name);
            if (s != null) {
                letGo(s, true);
            }
        }
    }

    /**
     * Removes the segment's name now (CPython's {@code SharedMemory.unlink()}): processes that
     * have it mapped keep using it; no process can attach it any more.
     */
    public static void unlink(Segment s) {
        synchronized (LOCK) {
            if (s.unlinked) {
                return;
            }
            s.unlinked = true;
            ATTACHED.remove(s.name(), s); // the name no longer leads here
            try {
                Files.deleteIfExists(s.path());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot unlink " + s.path(), e);
            }
        }
    }

    /** The names of the segments this process holds now. */
    public static java.util.Set<String> attachedNames() {
        synchronized (LOCK) {
            return java.util.Set.copyOf(ATTACHED.keySet());
        }
    }

    /** True when the segment still has its name in {@link #DIR}. */
    public static boolean exists(String name) {
        return Files.exists(DIR.resolve(PREFIX + name));
    }

    /**
     * Lets go of every segment of this process (at its exit): the mappings stay for threads still
     * running; the segments nobody else uses are removed.
     */
    public static void atExit() {
        synchronized (LOCK) {
            exited = true;
            for (Runnable r : EXIT_ACTIONS) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    // best effort at exit: the segment may be gone already
                }
            }
            EXIT_ACTIONS.clear();
            for (Segment s : ATTACHED.values()) {
                letGo(s, false);
            }
            ATTACHED.clear(); // unlinked segments are not listed: the kernel drops their locks at exit
        }
    }

    /** True once {@link #atExit()} has run (the process is about to end). */
    public static boolean exited() {
        synchronized (LOCK) {
            return exited;
        }
    }

    /**
     * Guarded by LOCK. Refuses to create or map a segment once {@link #atExit()} has run: a thread
     * still working while the process ends (a pre-started JVM's warm-up when its parent closes the
     * context: the main thread lets go of the segments, then halts) would otherwise make a file
     * between the two that nobody removes until some process's sweep. Seen once in a full test run
     * as an orphan {@code .tmp} file after a pool test class.
     */
    private static void checkNotExited() {
        if (exited) {
            throw new IllegalStateException("this process is exiting: no new shared memory segment");
        }
    }

    /**
     * Runs {@code action} when this process exits through {@link #atExit()}, while its segments are
     * still mapped (a Barrier's party takes itself off the list of parties).
     */
    public static void onExit(Runnable action) {
        synchronized (LOCK) {
            EXIT_ACTIONS.add(action);
            installHook();
        }
    }

    /** Guarded by LOCK. */
    private static void letGo(Segment s, boolean unmap) {
        s.detached = true;
        FileChannel ch = s.channel();
        try {
            s.inUse().release();
            FileLock last = s.unlinked ? null : ch.tryLock(0, 1, false);
            if (last != null) {
                Files.deleteIfExists(s.path()); // nobody else holds it
                last.release();
            }
        } catch (IOException | RuntimeException e) {
            // the kernel drops the lock when the channel closes; the sweep removes the file later
        }
        if (unmap) {
            closeQuietly(ch, s.arena());
        }
    }

    /**
     * Removes every segment that no living process holds (see the class documentation).
     *
     * @return how many were removed
     */
    public static int sweep() {
        synchronized (LOCK) {
            swept = true;
            int removed = 0;
            List<Path> candidates = new ArrayList<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(DIR, PREFIX + "*")) {
                dir.forEach(candidates::add);
            } catch (IOException e) {
                return 0;
            }
            for (Path p : candidates) {
                String file = p.getFileName().toString();
                String name = file.substring(PREFIX.length());
                if (ATTACHED.containsKey(name)) {
                    continue;
                }
                try {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                        FileLock l = ch.tryLock(0, 1, false);
                        if (l != null) {
                            Files.deleteIfExists(p);
                            removed++;
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // not ours to remove (another user's file, or gone already)
                }
            }
            return removed;
        }
    }

    private static void sweepOnce() {
        if (!swept) {
            sweep();
        }
    }

    private static void installHook() {
        ShmUse.used = true;
        if (!hookInstalled) {
            hookInstalled = true;
            Runtime.getRuntime().addShutdownHook(new Thread(Segments::atExit, "mp4j-segments-exit"));
        }
    }

    private static void checkName(String name) {
        Objects.requireNonNull(name, "segment name");
        if (!USER_NAME.matcher(name).matches() || name.endsWith(TMP_SUFFIX)) {
            throw new IllegalArgumentException("bad shared memory name '" + name
                    + "': use 1-200 letters, digits, '_', '.' or '-' (not ending in .tmp)");
        }
    }

    private static String randomName() {
        byte[] b = new byte[17];
        Names.RANDOM.nextBytes(b);
        StringBuilder sb = new StringBuilder(27).append('r');
        long bits = 0;
        int n = 0;
        for (int i = 0; i < b.length && sb.length() < 27; i++) {
            bits = (bits << 8) | (b[i] & 0xff);
            n += 8;
            while (n >= 5 && sb.length() < 27) {
                n -= 5;
                sb.append(BASE32[(int) ((bits >>> n) & 31)]);
            }
        }
        return sb.toString();
    }

    private static void closeQuietly(FileChannel ch, Arena arena) {
        if (arena != null) {
            try {
                arena.close();
            } catch (RuntimeException ignored) {
                // still in use by a thread of this process: left to the GC
            }
        }
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }
}
