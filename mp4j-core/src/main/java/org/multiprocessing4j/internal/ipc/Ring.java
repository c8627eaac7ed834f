package org.multiprocessing4j.internal.ipc;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.function.BooleanSupplier;
import org.multiprocessing4j.internal.shm.Futex;
import org.multiprocessing4j.internal.shm.Mutex;
import org.multiprocessing4j.internal.shm.Pages;
import org.multiprocessing4j.internal.shm.Segment;
import org.multiprocessing4j.internal.shm.SpinBudget;
import org.multiprocessing4j.internal.shm.Waits;

/**
 * A multi-producer, multi-consumer ring of variable-size messages in shared memory: the one data
 * path of {@code Pipe} and the queues.
 *
 * <h2>Two locks, one ring</h2>
 * Producers take the <em>producer</em> {@link Mutex} to write, consumers the <em>consumer</em>
 * mutex to read: between the two lock holders the ring is single-producer single-consumer
 * (Michael and Scott's two-lock queue, on a byte ring). One producer and one consumer never
 * contend for a lock, and both locks are robust: a process killed while holding one is replaced
 * within a wait slice (see {@link Mutex}), and the intent records below let its successor finish
 * or undo what it was doing.
 *
 * <h2>Control block layout (offsets from {@code base}; 512 bytes)</h2>
 * <pre>
 *  offset field                 written by                 access
 *    0    producer mutex (32)   producers                  see Mutex
 *   64    tail long             producer holder            setVolatile (publishes records); getAcquire by consumers.
 *                                                          Its low 32 bits are the futex word consumers sleep on.
 *   72    putSeq long           producer holder            setRelease; messages put (complete ones)
 *   80    putIntentSeq long     producer holder            plain, then cleared with setRelease (0: none)
 *   88    putIntentTail long    producer holder            plain
 *   96    prevLapEnd long       producer holder            plain, before tail shows the WRAP or lap-end PAD that
 *                                                          sets it: where the lap before the current one was left
 *  128    consumer mutex (32)   consumers                  see Mutex
 *  192    head long             consumer holder            setVolatile (frees room); getAcquire by producers.
 *                                                          Its low 32 bits are the futex word producers sleep on.
 *  200    takeSeq long          consumer holder            setRelease; messages taken
 *  208    takeIntentSeq long    consumer holder            plain, then cleared with setRelease (0: none)
 *  216    takeIntentHead long   consumer holder            plain
 *  232    givenBack long        consumer holder            plain: pages below this position were freed
 *  256    capacity long         creator                    plain, before the segment is shared
 *  264    maxMessages long      creator                    plain (0: no limit on the number of messages)
 *  272    flags int             creator                    plain ({@link #GIVE_BACK})
 *  280    dense long            creator                    plain: bytes of each lap never given back (0: none)
 *  320    doneSeq long          JoinableQueue.taskDone     CAS
 *  328    joinWord int          taskDone when nothing is unfinished   getAndAdd; the futex word of join()
 *  332    joinSleepers int      threads in join()          getAndAdd: +1 by a thread about to sleep, -1 by one
 *                                                          that returns unwoken, -n by a waker that woke n
 *  384    producerSleepers int  producers waiting for room as joinSleepers; read by every take
 *  448    consumerSleepers int  consumers waiting for data as joinSleepers; read by every put
 * </pre>
 * Fields written by producers and by consumers live on separate 64-byte lines. The sleeper counts
 * have lines of their own: each put reads the consumers' count and each take the producers', and
 * on the line of the other side's position they cost a cache miss per message (measured with one
 * producer and one consumer process keeping pace: 1-3 M messages/s before, see docs/benchmarks.md).
 *
 * <h2>Records</h2>
 * The data area ({@code capacity} bytes, a power of two, page-aligned) holds records at positions
 * {@code head <= p < tail} (positions only grow; the index is {@code p & (capacity-1)}, and a
 * <em>lap</em> is the {@code capacity} positions that share a multiple of it). A record is an
 * 8-byte header, {@code int length, int flags}, and {@code length} bytes, padded to a multiple of
 * 8; it never wraps: when it does not fit before the end, a {@link #PAD} record fills the rest of
 * the lap. In giving-back rings a {@link #WRAP} record (header only) sends consumers to the next
 * lap early, and a {@link #JUMP} record (the header and the position to go to) further into the
 * same lap (see "Giving memory back"). A message of more than {@link #maxChunk()} bytes is written in chunks, FIRST (whose
 * first 8 bytes give the message's total length), then MIDDLE chunks and a LAST one, each published
 * as soon as it is written, so that a message far larger than the ring streams through it while
 * the consumer reads.
 *
 * <h2>Memory ordering</h2>
 * A producer writes a record's bytes and header with plain stores, then stores {@code tail} with
 * volatile semantics; a consumer loads {@code tail} (acquire) before reading records below it
 * (a consumer lock holder keeps the value it loaded, {@code cachedTail}, and loads {@code tail}
 * again only once it has reached it: while it is behind, it does not touch the producers' line,
 * which the producer writes at every put; the lock hands the value on with a happens-before). A
 * consumer reads records, then stores {@code head} (volatile); a producer loads {@code head}
 * (acquire) before overwriting anything below {@code head + capacity}. After publishing, each side
 * reads the other side's sleeper count (a volatile load after a volatile store: sequentially
 * consistent), and a waiter increments its sleeper count before it re-checks and sleeps on the
 * futex word it read: no lost wake-up, no system call when nobody sleeps. A waker takes the
 * threads it woke off the count (the futex call says how many) and a sleeper that returns
 * unwoken (its slice ended, or the word had changed) takes itself off, as {@link Mutex} does: the
 * puts that follow a wake-up see no sleeper until one sleeps again. Measured before (2026-11-24,
 * one producer and one consumer process, 200,000 messages, futex calls traced): the count stayed
 * up until the woken consumer ran, tens of microseconds later or milliseconds when its core was
 * busy, and the producer made a futex call at every put meanwhile: 600-3,600 calls in five
 * windows of eight, for the few times its consumer slept; 7-15 per window after.
 *
 * <h2>Death of a lock holder</h2>
 * A complete message becomes visible with a single store ({@code tail}), and is consumed with a
 * single store ({@code head}); a producer killed before that store leaves nothing visible, a
 * consumer killed before it leaves the message in the ring for the next consumer. The counters
 * {@code putSeq}/{@code takeSeq} (for {@code qsize}) are kept exact through intents: the holder
 * writes {@code intent = (seq + 1, new position)} before it stores the counter and the position, and
 * clears it after; a successor that takes the lock over from a dead holder completes the counter
 * when the position was published, or rolls it back when not. A producer killed in the middle of
 * a chunked message leaves FIRST and MIDDLE chunks without a LAST: the consumer drops them when it
 * sees the next FIRST or finds the producer lock free or its holder dead. A consumer killed in the
 * middle of a chunked message loses that message (its first chunks are gone); the remaining chunks
 * are skipped.
 *
 * <h2>Giving memory back, and the dense zone</h2>
 * Queue rings are large and sparse (their file is as big as the capacity, but only touched pages
 * take memory). With {@link #GIVE_BACK} the consumer frees each {@link #GIVE_BACK_UNIT} of data
 * area it has consumed ({@code madvise(MADV_REMOVE)}, before it publishes the new {@code head}),
 * except the units of the <em>dense zone</em>: the first {@link #denseZone} bytes of every lap,
 * which the queue's creator allocates at once and which stay for the ring's life. A freed page
 * costs a fresh page, allocated and zeroed, at the next write there (measured 2026-11-24, 16-byte
 * messages, one thread putting then taking: about 18 ns of each 46 ns put and 10 of each 40 ns
 * take), so producers come back to the dense zone whenever the consumers let them:
 * <ul>
 *   <li><b>Room.</b> A producer may write below {@code head + capacity}, less the rest of the unit
 *       {@code head} is in when that unit is outside the dense zone: the consumer gives it back
 *       when it leaves it (the units below it were given back before {@code head} was published,
 *       so writing there is safe). Each record keeps {@link #SLACK} bytes free after it, so that
 *       a WRAP or JUMP always fits at the tail.
 *   <li><b>Early wrap.</b> A producer whose tail is beyond the dense zone writes a WRAP record and
 *       goes on at the next lap's index 0 as soon as the room rule allows a record there, that is
 *       once the consumers are in its lap. Consumers that keep up thus keep the producers in the
 *       dense zone, on pages that stay mapped (and in the cache). A producer whose last read of
 *       head did not allow the wrap reads it again {@link #WRAP_CHECK_EVERY} bytes further.
 *   <li><b>Jump.</b> Consumers still in the lap before hold its indices up to the WRAP that ended
 *       it ({@code prevLapEnd}, kept by the producers), and nothing beyond: that lap was not
 *       written there. A producer that reaches them (its consumers fell behind by more than the
 *       dense zone) writes a JUMP to the first unit boundary past that end and goes on there, so
 *       that a put on an unbounded queue does not wait for a consumer. A lap-end PAD sets
 *       {@code prevLapEnd} to the end of the lap: nothing lies beyond it.
 *   <li><b>What consumers give back at a WRAP or JUMP</b>: the units up to the one holding the
 *       record. Up to where it leads this lap was not written (those units were given back in the
 *       lap before), and the producers may be writing past that already.
 * </ul>
 * A producer killed between storing {@code prevLapEnd} and publishing the tail that shows its
 * WRAP leaves a {@code prevLapEnd} in its own lap, which allows no jump; its successor writes over
 * the unpublished WRAP, and may wait for room where it could have jumped, until its next wrap.
 *
 * <p>Positions jump by up to the capacity at each early wrap (16 GiB per 4 MiB of messages with a
 * 16 GiB {@code /dev/shm}), so they pass 2^63 after months of traffic: every comparison of
 * positions is a difference ({@code a - b < 0}), exact while the positions compared are less than
 * 2^63 apart. They are at most about two laps apart, and the values a process caches of the other
 * side's position are read again every {@link #STALE_AFTER} messages. "No room" is
 * {@link #NO_ROOM}, a value no position takes.
 */
public final class Ring {
    /** Bytes of the control block. */
    public static final int CONTROL_BYTES = 512;
    /** Flag: free consumed pages (sparse queue rings). */
    public static final int GIVE_BACK = 1;
    /** Granularity of giving memory back. */
    static final long GIVE_BACK_UNIT = 1 << 20;
    /** The largest dense zone (see {@link #denseZone}). */
    private static final long MAX_DENSE = 4 * GIVE_BACK_UNIT;
    /**
     * Bytes a giving-back ring keeps free after each record it reserves, so that a {@link #WRAP}
     * (8 bytes) or a {@link #JUMP} (16) always fits at the tail.
     */
    private static final int SLACK = 16;
    /**
     * Messages (put, or taken) after which a process reads the other side's position again even
     * when its cached value still looks usable: positions jump by up to the capacity at each wrap
     * and may pass 2^63, so a value cached long ago could look recent in 64-bit difference
     * arithmetic. 2^12 messages move a position by less than 2^62 bytes (at most a lap, at most
     * 2^40 bytes, per message); and the branch is taken often enough that the warm-up compiles it
     * (a refresh every 2^20 was an uncommon trap that threw compiled code away in the timed work,
     * docs/benchmarks.md, eighteenth session).
     */
    private static final long STALE_AFTER = 1 << 12;
    /** How far a producer goes between two reads of head for an early wrap that its last read did not allow. */
    private static final long WRAP_CHECK_EVERY = 64 << 10;
    /** Returned by {@link #reserve} for "no room before the deadline" (positions are multiples of 8). */
    private static final long NO_ROOM = -1;

    /** Record flags. */
    static final int FIRST = 1;
    static final int LAST = 2;
    static final int PAD = 4;
    /** Record flag for callers: the message is raw bytes ({@code sendBytes}), not an encoded object. */
    public static final int RAW = 8;
    static final int TOMBSTONE = 16;
    /** Record flag: the rest of this lap is not written; the next record is at the next lap's index 0. */
    static final int WRAP = 32;
    /** Record flag: the next record is at the position in this record's 8 bytes (further in the same lap). */
    static final int JUMP = 64;
    private static final int HEADER = 8;

    private static final long PRODUCER_LOCK = 0;
    static final long TAIL = 64;
    private static final long PUT_SEQ = 72;
    private static final long PUT_INTENT_SEQ = 80;
    private static final long PUT_INTENT_TAIL = 88;
    private static final long PREV_LAP_END = 96;
    private static final long PRODUCER_SLEEPERS = 384;
    private static final long CONSUMER_LOCK = 128;
    static final long HEAD = 192;
    private static final long TAKE_SEQ = 200;
    private static final long TAKE_INTENT_SEQ = 208;
    private static final long TAKE_INTENT_HEAD = 216;
    private static final long CONSUMER_SLEEPERS = 448;
    private static final long GIVEN_BACK = 232;
    private static final long CAPACITY = 256;
    private static final long MAX_MESSAGES = 264;
    private static final long FLAGS = 272;
    private static final long DENSE = 280;
    private static final long DONE_SEQ = 320;
    private static final long JOIN_WORD = 328;
    private static final long JOIN_SLEEPERS = 332;

    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final VarHandle LONG = JAVA_LONG.varHandle();

    /** Returned by {@link #take} when the deadline passed. */
    public static final Object TIMED_OUT = new Object();

    /** Writes a message's bytes into the ring. */
    public interface Source {
        /** Copies {@code length} bytes of the message, from its byte {@code from}, to {@code dst} at {@code at}. */
        void copyTo(MemorySegment dst, long at, long from, int length);
    }

    /** Reads one whole message. */
    public interface Sink<T> {
        /**
         * Called with the message's total length before anything of it is taken; throwing leaves
         * the message in the ring (a receive buffer that is too small).
         */
        default void check(long length) {}

        /** Builds the result from {@code length} bytes at {@code at} of {@code src}; {@code flags} are the caller's flags. */
        T read(MemorySegment src, long at, int length, int flags);

        /**
         * Where a chunked message of {@code total} bytes is assembled, chunk by chunk, straight
         * from the ring (default: a new array). A sink that receives bytes gives its own
         * destination, so that a long message is copied once on the receiving side.
         */
        default MemorySegment assembly(int total) {
            return MemorySegment.ofArray(new byte[total]);
        }

        /** The result of a chunked message assembled in {@code assembly} (default: {@link #read} of it). */
        default T assembled(MemorySegment assembly, int total, int flags) {
            return read(assembly, 0, total, flags);
        }
    }

    /** With {@code consume} false: the length of the next message (its total length when chunked). */
    public static final Sink<Long> LENGTH = (src, at, length, flags) -> (long) length;

    /** The other side has gone (a pipe's last reader or writer closed or died). */
    public static final class PeerGone extends Exception {
        PeerGone() {
            super(null, null, false, false);
        }
    }

    private final MemorySegment mem;
    /** Spin lengths of this process's waiters for data and for room (process-local, see SpinBudget). */
    private final SpinBudget dataSpin = new SpinBudget();
    private final SpinBudget roomSpin = new SpinBudget();
    private final long base;
    private final long data;
    private final long dataAddress;
    private final long capacity;
    private final long mask;
    /** Bytes at the start of each lap that are never given back (0: no early wraps; see the class comment). */
    private final long dense;
    /** Bytes kept free after each record: {@link #SLACK} when giving back, else 0. */
    private final int slack;
    private final long maxMessages;
    private final boolean giveBack;
    private final int maxChunk;
    private final Mutex producerLock;
    private final Mutex consumerLock;
    private final long tailAddress;
    private final long headAddress;
    private final long joinAddress;
    /** A producer's last view of head (a lower bound: head only grows). Producer-lock holders only. */
    private long cachedHead;
    /** putSeq when {@link #cachedHead} was last read ({@link #STALE_AFTER}). */
    private long cachedHeadSeq;
    /** Where this process's producers next read head for an early wrap their last read did not allow. A hint. */
    private long nextWrapCheck;
    /** The consumers' takeSeq as this process's producers last read it (under the producer lock). */
    private long cachedTaken;
    /**
     * A consumer's last view of tail (a lower bound: tail only grows), written under the consumer
     * lock: records below it are published, so a consumer behind it reads neither the producers'
     * line nor waits for it. Read without the lock only by {@link #hasData()} (a hint there).
     * Measured (2026-11-24, one producer and one consumer process pinned to the two cores, rounds
     * of 200,000 messages after five compiled ones, 6 pairs of JVMs each way): medians of 5.2-10.4
     * (median 8.4) M messages/s before, 6.7-13.2 (median 10.9) with it.
     */
    private long cachedTail;
    /** takeSeq when {@link #cachedTail} was last read ({@link #STALE_AFTER}). */
    private long cachedTailSeq;

    private Ring(Segment s, long base, long dataOffset) {
        this.mem = s.payload();
        this.base = base;
        this.data = dataOffset;
        this.dataAddress = s.address(dataOffset);
        this.capacity = mem.get(JAVA_LONG, base + CAPACITY);
        this.maxMessages = mem.get(JAVA_LONG, base + MAX_MESSAGES);
        this.giveBack = (mem.get(JAVA_INT, base + FLAGS) & GIVE_BACK) != 0;
        if (Long.bitCount(capacity) != 1 || capacity < 4096 || dataOffset + capacity > mem.byteSize()) {
            throw new IllegalStateException("corrupt ring (capacity " + capacity + ") in " + s);
        }
        this.mask = capacity - 1;
        this.dense = giveBack ? mem.get(JAVA_LONG, base + DENSE) : 0;
        if (dense < 0 || dense % GIVE_BACK_UNIT != 0 || dense > capacity / 4) {
            throw new IllegalStateException("corrupt ring (dense zone " + dense + ") in " + s);
        }
        this.slack = giveBack ? SLACK : 0;
        this.maxChunk = (int) Math.min(capacity / 4 - HEADER, Integer.MAX_VALUE - 64);
        this.producerLock = new Mutex(s, base + PRODUCER_LOCK);
        this.consumerLock = new Mutex(s, base + CONSUMER_LOCK);
        this.tailAddress = s.address(base + TAIL);
        this.headAddress = s.address(base + HEAD);
        this.joinAddress = s.address(base + JOIN_WORD);
        // lower bounds of the positions to come (not 0: positions may have passed 2^63)
        this.cachedHead = (long) LONG.getAcquire(mem, base + HEAD);
        this.cachedTail = cachedHead;
        this.nextWrapCheck = cachedHead;
        this.cachedHeadSeq = (long) LONG.getVolatile(mem, base + PUT_SEQ);
        this.cachedTailSeq = (long) LONG.getVolatile(mem, base + TAKE_SEQ);
    }

    /**
     * The dense zone of a giving-back ring of {@code capacity} bytes: the bytes at the start of
     * each lap that consumers never give back and producers come back to (see "Giving memory
     * back" in the class comment): a 64th of the capacity in whole {@link #GIVE_BACK_UNIT}s, at
     * most 4 MiB; 0 (no early wraps) below 64 MiB.
     */
    public static long denseZone(long capacity) {
        return Math.min(MAX_DENSE, capacity / 64) & -GIVE_BACK_UNIT;
    }

    /** Writes a fresh ring's control block (the segment is zeroed and not yet shared). */
    public static Ring create(Segment s, long base, long dataOffset, long capacity, long maxMessages, int flags) {
        return create(s, base, dataOffset, capacity, maxMessages, flags, 0);
    }

    /**
     * As {@link #create(Segment, long, long, long, long, int)}, with every position starting at
     * {@code start} (a multiple of {@link #GIVE_BACK_UNIT}): tests use it to cross 2^63.
     */
    static Ring create(Segment s, long base, long dataOffset, long capacity, long maxMessages, int flags, long start) {
        if (Long.bitCount(capacity) != 1 || (flags & GIVE_BACK) != 0 && capacity < 4 * GIVE_BACK_UNIT) {
            throw new IllegalArgumentException("ring capacity must be a power of two (at least 4 MiB when giving back), got " + capacity);
        }
        if ((s.address(dataOffset) % Pages.SIZE) != 0) {
            throw new IllegalArgumentException("ring data must be page-aligned");
        }
        MemorySegment m = s.payload();
        m.set(JAVA_LONG, base + CAPACITY, capacity);
        m.set(JAVA_LONG, base + MAX_MESSAGES, maxMessages);
        m.set(JAVA_INT, base + FLAGS, flags);
        if (start % GIVE_BACK_UNIT != 0) {
            throw new IllegalArgumentException("start position must be a multiple of " + GIVE_BACK_UNIT);
        }
        m.set(JAVA_LONG, base + DENSE, (flags & GIVE_BACK) != 0 ? denseZone(capacity) : 0);
        m.set(JAVA_LONG, base + TAIL, start);
        m.set(JAVA_LONG, base + HEAD, start);
        m.set(JAVA_LONG, base + GIVEN_BACK, start);
        m.set(JAVA_LONG, base + PREV_LAP_END, start);
        return new Ring(s, base, dataOffset);
    }

    /** The ring whose control block is at {@code base} of an attached segment. */
    public static Ring attach(Segment s, long base, long dataOffset) {
        return new Ring(s, base, dataOffset);
    }

    /** The data area's size in bytes. */
    public long capacity() {
        return capacity;
    }

    /** head, for tests. */
    long head() {
        return (long) LONG.getVolatile(mem, base + HEAD);
    }

    /** tail, for tests. */
    long tail() {
        return (long) LONG.getVolatile(mem, base + TAIL);
    }

    /** The largest record payload; longer messages are chunked. */
    public int maxChunk() {
        return maxChunk;
    }

    // ------------------------------------------------------------------ producer side

    /**
     * Writes one message of {@code length} bytes. Waits for room (and, with a message limit, for
     * the number of messages to drop below it) until {@code deadline} ({@link System#nanoTime()};
     * {@link Long#MAX_VALUE}: no limit). Once the first chunk of a long message is written the
     * rest is written whatever the deadline, unless the readers go.
     *
     * @param flags the caller's flags ({@link #RAW}), kept with the message
     * @param readersGone checked while waiting for room (null: never)
     * @return false when the deadline passed and nothing was written
     * @throws PeerGone when {@code readersGone} says so while waiting
     */
    public boolean put(Source src, long length, int flags, long deadline, boolean interruptible,
            BooleanSupplier readersGone) throws InterruptedException, PeerGone {
        if (!producerLock.acquire(lockWait(deadline), interruptible)) { // see take
            return false;
        }
        try {
            if (producerLock.tookOver()) {
                repairProducer();
            }
            if (maxMessages > 0 && !awaitBelowLimit(deadline, interruptible, readersGone)) {
                return false;
            }
            long seq = (long) LONG.getVolatile(mem, base + PUT_SEQ);
            if (seq - cachedHeadSeq > STALE_AFTER) {
                cachedHead = (long) LONG.getAcquire(mem, base + HEAD);
                nextWrapCheck = cachedHead;
                cachedHeadSeq = seq;
            }
            if (length <= maxChunk) {
                int r = recordSize(length);
                long t = (long) LONG.getVolatile(mem, base + TAIL);
                long at = reserve(t, r, deadline, interruptible, readersGone);
                if (at == NO_ROOM) {
                    return false;
                }
                long idx = at & mask;
                src.copyTo(mem, data + idx + HEADER, 0, (int) length);
                mem.set(JAVA_LONG, data + idx, header((int) length, flags | FIRST | LAST));
                commitPut(seq, at + r);
                return true;
            }
            // chunked: FIRST carries the total length in its first 8 bytes
            long sent = 0;
            boolean first = true;
            while (first || sent < length) {
                int n = (int) Math.min(length - sent, maxChunk - (first ? 8 : 0));
                int payload = n + (first ? 8 : 0);
                int r = recordSize(payload);
                long t = (long) LONG.getVolatile(mem, base + TAIL);
                long at = reserve(t, r, first ? deadline : Long.MAX_VALUE, first && interruptible, readersGone);
                if (at == NO_ROOM) {
                    return false; // only possible before the first chunk
                }
                long idx = at & mask;
                long p = data + idx + HEADER;
                if (first) {
                    mem.set(JAVA_LONG, p, length);
                    p += 8;
                }
                src.copyTo(mem, p, sent, n);
                sent += n;
                boolean last = sent == length;
                mem.set(JAVA_LONG, data + idx, header(payload, flags | (first ? FIRST : 0) | (last ? LAST : 0)));
                if (last) {
                    commitPut(seq, at + r);
                } else {
                    publishTail(at + r);
                }
                first = false;
            }
            return true;
        } finally {
            producerLock.release();
        }
    }

    private static long header(int length, int flags) {
        return (length & 0xFFFFFFFFL) | ((long) flags << 32);
    }

    private static int recordSize(long payload) {
        return (int) ((HEADER + payload + 7) & ~7L);
    }

    /**
     * Finds room for a record of {@code r} bytes with the tail at {@code t}, waiting for it until
     * {@code deadline}: writes the WRAP, JUMP or PAD record that leads there, if any, and returns
     * the record's position; {@link #NO_ROOM} when the deadline passed. The rules are those of
     * "Giving memory back" in the class comment; every comparison of positions is a difference.
     *
     * <p>The common case, a record that fits before the lap's end and below the limit the last
     * read of head allows, with no early wrap due, is decided here; this method is small enough
     * for C2 to inline into {@link #put}, and the rest ({@link #reserveSlow}) is a call. Measured
     * before (2026-11-24, {@code PrintInlining}): the whole of it, 410 bytes of bytecode, was not
     * inlined ("hot method too big"), so every put paid a call.
     */
    private long reserve(long t, int r, long deadline, boolean interruptible, BooleanSupplier readersGone)
            throws InterruptedException, PeerGone {
        long idx = t & mask;
        if ((dense == 0 || idx < dense || t - nextWrapCheck < 0) && idx + r <= capacity
                && t + r + slack - writeLimit(cachedHead) <= 0) {
            return t; // what the loop below returns first in this case, without reading anything shared
        }
        return reserveSlow(t, r, deadline, interruptible, readersGone);
    }

    /** {@link #reserve} in every case. */
    private long reserveSlow(long t, int r, long deadline, boolean interruptible, BooleanSupplier readersGone)
            throws InterruptedException, PeerGone {
        for (;;) {
            long idx = t & mask;
            if (idx >= dense && dense != 0 && t - nextWrapCheck >= 0) {
                long next = lapAfter(t);
                if (fitsBehindHead(next + r + slack)) {
                    mem.set(JAVA_LONG, data + idx, header(0, WRAP));
                    mem.set(JAVA_LONG, base + PREV_LAP_END, t + HEADER); // before tail shows the WRAP
                    nextWrapCheck = next;
                    return next;
                }
                nextWrapCheck = t + WRAP_CHECK_EVERY;
            }
            long end;
            if (idx + r <= capacity) {
                end = t + r + slack;
                long jumpTo = dense != 0 ? freeFrom() : 0; // read first: it is on this side's line, head is not
                if (dense != 0 && t - jumpTo >= 0 || fitsBehindHead(end)) {
                    return t;
                }
                if (dense != 0 && jumpTo - t > 0 && jumpTo - lapAfter(t) < 0) {
                    // the consumers are still in the lap before, behind where it ended: go past that
                    mem.set(JAVA_LONG, data + idx + HEADER, jumpTo);
                    mem.set(JAVA_LONG, data + idx, header(8, JUMP));
                    t = jumpTo;
                    continue;
                }
            } else {
                long next = lapAfter(t);
                end = next + r + slack;
                if (fitsBehindHead(end)) {
                    mem.set(JAVA_LONG, data + idx, header((int) (capacity - idx - HEADER), PAD));
                    mem.set(JAVA_LONG, base + PREV_LAP_END, next); // the lap was written to its end
                    return next;
                }
            }
            if (!awaitRoom(minHeadFor(end), deadline, interruptible, readersGone)) {
                return NO_ROOM;
            }
        }
    }

    /** The first position of the lap after the one holding {@code p}. */
    private long lapAfter(long p) {
        return (p & ~mask) + capacity;
    }

    /**
     * Whether a producer may write below {@code end} as far as head is concerned: {@code end}
     * is at most a lap beyond head, less the unit head is in when that unit will be given back.
     * Reads head again when the last value read is not enough.
     */
    private boolean fitsBehindHead(long end) {
        if (end - writeLimit(cachedHead) <= 0) {
            return true;
        }
        cachedHead = (long) LONG.getAcquire(mem, base + HEAD);
        return end - writeLimit(cachedHead) <= 0;
    }

    /** Producers may write below this position with head at {@code h}. */
    private long writeLimit(long h) {
        return (giveBack && (h & mask) >= dense ? h & -GIVE_BACK_UNIT : h) + capacity;
    }

    /** The head that lets a producer write below {@code end} (the inverse of {@link #writeLimit}). */
    private long minHeadFor(long end) {
        long h = end - capacity;
        return giveBack && (h & mask) >= dense ? unitCeiling(h) : h;
    }

    /**
     * Where this lap is free whatever the consumers do: from the first unit boundary past the
     * end of what producers wrote in the lap before (when they left it early, by a WRAP), which
     * consumers never give back nor reach in that lap. A position of the next lap (never reached
     * by a tail of this one) when the lap before was written to its end.
     */
    private long freeFrom() {
        long end = mem.get(JAVA_LONG, base + PREV_LAP_END);
        return unitCeiling(end) + capacity;
    }

    /** The first unit boundary at or after {@code p}. */
    private static long unitCeiling(long p) {
        return (p + GIVE_BACK_UNIT - 1) & -GIVE_BACK_UNIT;
    }

    /** Waits until {@code head >= minHead}; false when the deadline passed. */
    private boolean awaitRoom(long minHead, long deadline, boolean interruptible, BooleanSupplier readersGone)
            throws InterruptedException, PeerGone {
        if (!await(HEAD, headAddress, PRODUCER_SLEEPERS, ROOM, minHead, deadline, interruptible, readersGone)) {
            return false;
        }
        cachedHead = (long) LONG.getAcquire(mem, base + HEAD);
        return true;
    }

    /** Waits until fewer than {@code maxMessages} messages are in the queue; false when the deadline passed. */
    private boolean awaitBelowLimit(long deadline, boolean interruptible, BooleanSupplier readersGone)
            throws InterruptedException, PeerGone {
        // head is read before takeSeq (await reads it first), and takeSeq is stored before head (see
        // commitTake): a producer that sleeps on an old head sees the consumer's later store of it
        return belowLimit() || await(HEAD, headAddress, PRODUCER_SLEEPERS, BELOW_LIMIT, 0, deadline, interruptible, readersGone);
    }

    /**
     * Under the producer lock: fewer than {@code maxMessages} messages are in the ring. Reads the
     * consumers' counter only when the last value read says full (it only grows, so an old value
     * can only make the ring look fuller): otherwise every put of a bounded queue took a cache
     * miss on the consumers' line.
     */
    private boolean belowLimit() {
        long put = (long) LONG.getVolatile(mem, base + PUT_SEQ);
        if (put - cachedTaken < maxMessages) {
            return true;
        }
        cachedTaken = (long) LONG.getVolatile(mem, base + TAKE_SEQ);
        return put - cachedTaken < maxMessages;
    }

    /*
     * What a waiter of await() waits for, tested on the value of the field it sleeps on. A code
     * and a switch rather than a lambda per condition: the one compiled await serves every
     * condition without a type check. Measured with the lambdas (2026-11-23,
     * -Xlog:deoptimization in the bench's children): a child whose waits were not those of its
     * warm-up (a producer waiting for room) failed the compiled call's class check, 359 traps
     * over 124 children, and recompiled await during its timed work.
     */
    /** Data: {@code tail != head}. */
    private static final int DATA = 0;
    /** Room: {@code head >= arg} (a difference: positions may pass 2^63). */
    private static final int ROOM = 1;
    /** Fewer than {@code maxMessages} messages in the ring ({@link #belowLimit()}). */
    private static final int BELOW_LIMIT = 2;

    private boolean met(int condition, long fieldValue, long arg) {
        return switch (condition) {
            case DATA -> fieldValue != (long) LONG.getAcquire(mem, base + HEAD);
            case ROOM -> fieldValue - arg >= 0;
            default -> belowLimit();
        };
    }

    /**
     * The waiting loop of both sides: reads {@code field}, returns true once {@code condition}
     * ({@link #DATA}, {@link #ROOM} with {@code arg}, {@link #BELOW_LIMIT}) is met; else
     * spins ({@link Waits#spin}, with pauses of at most {@link Waits#RING_BACKOFF} hints),
     * then sleeps on the futex word at {@code wordAddress} (the low
     * half of {@code field}) slice by slice, announced in {@code sleepers}; false when the
     * deadline passed.
     */
    private boolean await(long field, long wordAddress, long sleepers, int condition, long arg, long deadline,
            boolean interruptible, BooleanSupplier peerGone) throws InterruptedException, PeerGone {
        int attempt = 0;
        int sleeps = 0;
        long firstSleep = 0;
        SpinBudget budget = field == TAIL ? dataSpin : roomSpin;
        long spinStart = System.nanoTime();
        for (;;) {
            long v = (long) LONG.getVolatile(mem, base + field);
            if (met(condition, v, arg)) {
                return true;
            }
            if (spinStart != 0 && Waits.spin(++attempt, spinStart, budget.nanos(), Waits.RING_BACKOFF)) {
                continue;
            }
            spinStart = 0;
            if (sleeps++ == 0) {
                firstSleep = System.nanoTime();
            }
            if (!sleep(base + sleepers, wordAddress, (int) v, base + field, v, deadline, interruptible,
                    sleeps > 1 ? peerGone : null, peerGone)) {
                return false;
            }
            if (met(condition, (long) LONG.getVolatile(mem, base + field), arg)) {
                budget.slept(System.nanoTime() - firstSleep);
                return true;
            }
        }
    }

    private void commitPut(long seq, long newTail) {
        mem.set(JAVA_LONG, base + PUT_INTENT_TAIL, newTail);
        mem.set(JAVA_LONG, base + PUT_INTENT_SEQ, seq + 1);
        LONG.setRelease(mem, base + PUT_SEQ, seq + 1);
        publishTail(newTail);
        LONG.setRelease(mem, base + PUT_INTENT_SEQ, 0L);
    }

    private void publishTail(long newTail) {
        LONG.setVolatile(mem, base + TAIL, newTail);
        wakeSleepers(tailAddress, base + CONSUMER_SLEEPERS);
    }

    private void repairProducer() {
        long intent = mem.get(JAVA_LONG, base + PUT_INTENT_SEQ);
        if (intent != 0) {
            boolean published = (long) LONG.getVolatile(mem, base + TAIL) == mem.get(JAVA_LONG, base + PUT_INTENT_TAIL);
            LONG.setRelease(mem, base + PUT_SEQ, published ? intent : intent - 1);
            LONG.setRelease(mem, base + PUT_INTENT_SEQ, 0L);
        }
    }

    // ------------------------------------------------------------------ consumer side

    /**
     * Takes (or, with {@code consume} false, reads without taking) the next message, waiting until
     * {@code deadline}.
     *
     * @param writersGone checked while the ring is empty (null: never); when it says so and the
     *     ring holds no complete message, {@link PeerGone} is thrown
     * @return what {@code sink} made of the message, or {@link #TIMED_OUT}
     */
    public Object take(Sink<?> sink, boolean consume, long deadline, boolean interruptible, BooleanSupplier writersGone)
            throws InterruptedException, PeerGone {
        for (;;) {
            if (!awaitData(deadline, interruptible, writersGone)) {
                return TIMED_OUT;
            }
            // a message is there: wait for the lock even past the deadline, for a while (a taker
            // holds it for microseconds; one that died is replaced after a slice)
            if (!consumerLock.acquire(lockWait(deadline), interruptible)) {
                return TIMED_OUT;
            }
            Object r;
            try {
                if (consumerLock.tookOver()) {
                    repairConsumer();
                }
                // the common case, one whole message at head below the tail read last, here
                // rather than in a method: takeLocked (412 bytes of bytecode) is too big for C2 to
                // inline, and a small method holding this was compiled on its own first, into
                // code too big to inline (PrintInlining, 2026-11-24)
                long h = (long) LONG.getVolatile(mem, base + HEAD);
                long at = data + (h & mask);
                long hdr = h - cachedTail < 0
                        && (long) LONG.getVolatile(mem, base + TAKE_SEQ) - cachedTailSeq <= STALE_AFTER
                        ? mem.get(JAVA_LONG, at) : 0;
                if ((int) (hdr >>> 32 & (FIRST | LAST | PAD | TOMBSTONE | WRAP | JUMP)) == (FIRST | LAST)) {
                    int len = (int) hdr;
                    sink.check(len);
                    r = sink.read(mem, at + HEADER, len, (int) (hdr >>> 32) & ~(FIRST | LAST));
                    if (consume) {
                        commitTake(h + recordSize(len & 0xFFFFFFFFL));
                    }
                } else {
                    r = takeLocked(sink, consume, writersGone);
                }
            } finally {
                consumerLock.release();
            }
            if (r != TIMED_OUT) {
                return r;
            }
            // no complete message after all (another consumer was first): wait again
        }
    }

    /** Under the consumer lock: the next message, or TIMED_OUT when there is none now. */
    private Object takeLocked(Sink<?> sink, boolean consume, BooleanSupplier writersGone)
            throws InterruptedException, PeerGone {
        long h0 = (long) LONG.getVolatile(mem, base + HEAD);
        long taken = (long) LONG.getVolatile(mem, base + TAKE_SEQ);
        if (taken - cachedTailSeq > STALE_AFTER) {
            cachedTail = h0; // read tail again below
            cachedTailSeq = taken;
        }
        long h = h0;
        long t = cachedTail;
        if (h - t >= 0) {
            t = (long) LONG.getAcquire(mem, base + TAIL);
            cachedTail = t;
        }
        while (h - t < 0) {
            long idx = h & mask;
            long hdr = mem.get(JAVA_LONG, data + idx);
            int len = (int) hdr;
            int flags = (int) (hdr >>> 32);
            int r = recordSize(len & 0xFFFFFFFFL);
            if ((flags & (WRAP | JUMP)) != 0) {
                h = skip(h, flags);
                continue;
            }
            if ((flags & (PAD | TOMBSTONE)) != 0 || (flags & FIRST) == 0) {
                h += r; // padding, a removed message, or the rest of a message whose consumer died
                continue;
            }
            if ((flags & LAST) != 0) {
                sink.check(len);
                Object result = sink.read(mem, data + idx + HEADER, len, flags & ~(FIRST | LAST));
                if (consume) {
                    commitTake(h + r);
                } else if (h != h0) {
                    advanceHead(h); // drop the skipped records
                }
                return result;
            }
            long total = mem.get(JAVA_LONG, data + idx + HEADER);
            sink.check(total);
            if (!consume) {
                if (h != h0) {
                    advanceHead(h);
                }
                if (sink == LENGTH) {
                    return total;
                }
                throw new IllegalStateException("cannot peek at a message of more than " + maxChunk + " bytes");
            }
            return takeChunked(sink, h, writersGone);
        }
        if (h != h0) {
            advanceHead(h);
        }
        return TIMED_OUT;
    }

    /** Reads the chunks of a long message starting with the FIRST record at {@code h}. */
    private Object takeChunked(Sink<?> sink, long h, BooleanSupplier writersGone) throws InterruptedException, PeerGone {
        long idx = h & mask;
        long hdr = mem.get(JAVA_LONG, data + idx);
        int flags = (int) (hdr >>> 32) & ~(FIRST | LAST);
        long total = mem.get(JAVA_LONG, data + idx + HEADER);
        if (total > Integer.MAX_VALUE - 16 || total < 0) {
            throw new IllegalStateException("message of " + total + " bytes cannot be received into a Java array");
        }
        MemorySegment whole = sink.assembly((int) total);
        int n = (int) hdr - 8;
        MemorySegment.copy(mem, data + idx + HEADER + 8, whole, 0, n);
        long got = n;
        h += recordSize((int) hdr & 0xFFFFFFFFL);
        advanceHead(h); // let the producer go on
        boolean interrupted = false;
        try {
            while (got < total) {
                long t = (long) LONG.getAcquire(mem, base + TAIL);
                if (h == t) {
                    try {
                        if (!awaitChunk(h, writersGone)) {
                            return TIMED_OUT; // the producer died in the middle: the message is dropped
                        }
                    } catch (InterruptedException e) {
                        interrupted = true; // a message half taken is finished first
                    }
                    continue;
                }
                idx = h & mask;
                hdr = mem.get(JAVA_LONG, data + idx);
                int f = (int) (hdr >>> 32);
                int len = (int) hdr;
                if ((f & (WRAP | JUMP)) != 0) {
                    h = skip(h, f);
                    advanceHead(h);
                    continue;
                }
                if ((f & PAD) != 0) {
                    h += recordSize(len & 0xFFFFFFFFL);
                    advanceHead(h);
                    continue;
                }
                if ((f & FIRST) != 0) {
                    return TIMED_OUT; // a new message: the producer of ours died; leave this one for the next take
                }
                MemorySegment.copy(mem, data + idx + HEADER, whole, got, len);
                got += len;
                h += recordSize(len & 0xFFFFFFFFL);
                if (got < total) {
                    advanceHead(h);
                }
            }
            Object result = sink.assembled(whole, (int) total, flags);
            commitTake(h);
            return result;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for the next chunk at {@code h}; false when its producer is gone (lock free or holder dead). */
    private boolean awaitChunk(long h, BooleanSupplier writersGone) throws InterruptedException, PeerGone {
        int attempt = 0;
        int sleeps = 0;
        long spinStart = System.nanoTime();
        for (;;) {
            if ((long) LONG.getAcquire(mem, base + TAIL) != h) {
                return true;
            }
            if (spinStart != 0 && Waits.spin(++attempt, spinStart, dataSpin.nanos(), Waits.RING_BACKOFF)) {
                continue;
            }
            spinStart = 0;
            if (sleeps++ > 0 && !producerAlive()) { // not before the first sleep: see sleep()
                return (long) LONG.getAcquire(mem, base + TAIL) != h;
            }
            sleep(base + CONSUMER_SLEEPERS, tailAddress, (int) h, base + TAIL, h, Long.MAX_VALUE, false, null, null);
        }
    }

    /** True when the producer lock is held by a living process. */
    private boolean producerAlive() {
        return producerLock.ownerAlive();
    }

    private void commitTake(long newHead) {
        long seq = (long) LONG.getVolatile(mem, base + TAKE_SEQ);
        mem.set(JAVA_LONG, base + TAKE_INTENT_HEAD, newHead);
        mem.set(JAVA_LONG, base + TAKE_INTENT_SEQ, seq + 1);
        LONG.setRelease(mem, base + TAKE_SEQ, seq + 1);
        advanceHead(newHead);
        LONG.setRelease(mem, base + TAKE_INTENT_SEQ, 0L);
    }

    private void advanceHead(long newHead) {
        if (giveBack) {
            giveBack(newHead);
        }
        LONG.setVolatile(mem, base + HEAD, newHead);
        wakeSleepers(headAddress, base + PRODUCER_SLEEPERS);
    }

    /** Frees the whole units below {@code newHead} not freed yet (before head is published: see the class comment). */
    private void giveBack(long newHead) {
        giveBack(newHead & -GIVE_BACK_UNIT, newHead & -GIVE_BACK_UNIT);
    }

    /**
     * Frees the whole units from the last one freed up to {@code to}, except those of the dense
     * zone, and records everything below {@code givenBack} (at least {@code to}) as freed; before
     * head is published past them (see the class comment).
     */
    private void giveBack(long to, long givenBack) {
        long from = mem.get(JAVA_LONG, base + GIVEN_BACK);
        if (givenBack - from <= 0) {
            return;
        }
        if (to - from > capacity) {
            from = to - capacity;
        }
        for (long u = from; u - to < 0; u += GIVE_BACK_UNIT) {
            if ((u & mask) >= dense) {
                Pages.remove(dataAddress + (u & mask), GIVE_BACK_UNIT);
            }
        }
        mem.set(JAVA_LONG, base + GIVEN_BACK, givenBack);
    }

    /**
     * Under the consumer lock, at the WRAP or JUMP record at {@code h} ({@code flags} its
     * flags): gives back the units up to the one holding the record (beyond it, this lap was not
     * written up to where the record leads) and returns where the next record is. Head is not
     * moved: the caller publishes it with what it takes next.
     */
    private long skip(long h, int flags) {
        long next = leadsTo(h, flags);
        if (giveBack) {
            long end = h + ((flags & WRAP) != 0 ? HEADER : 2 * HEADER);
            giveBack(unitCeiling(end), next);
        }
        return next;
    }

    /** Where the WRAP or JUMP record at {@code h} ({@code flags} its flags) leads. */
    private long leadsTo(long h, int flags) {
        return (flags & WRAP) != 0 ? lapAfter(h) : mem.get(JAVA_LONG, data + (h & mask) + HEADER);
    }

    private void repairConsumer() {
        long intent = mem.get(JAVA_LONG, base + TAKE_INTENT_SEQ);
        if (intent != 0) {
            boolean published = (long) LONG.getVolatile(mem, base + HEAD) == mem.get(JAVA_LONG, base + TAKE_INTENT_HEAD);
            LONG.setRelease(mem, base + TAKE_SEQ, published ? intent : intent - 1);
            LONG.setRelease(mem, base + TAKE_INTENT_SEQ, 0L);
        }
    }

    /**
     * Waits until the ring holds a record; false when the deadline passed.
     *
     * @throws PeerGone when the ring is empty and {@code writersGone} says so
     */
    public boolean awaitData(long deadline, boolean interruptible, BooleanSupplier writersGone)
            throws InterruptedException, PeerGone {
        return hasData()
                || await(TAIL, tailAddress, CONSUMER_SLEEPERS, DATA, 0, deadline, interruptible, writersGone);
    }

    /**
     * One sleep of at most a slice on a futex word, after announcing it in {@code sleepers}.
     * Between slices: interrupts, the deadline and the peer check.
     *
     * <p>The peer check ({@code peerGone}: a lock and a look at /proc per holder, tens of
     * microseconds) is not made before the first sleep of a wait, only before later ones, which
     * follow a full slice or a wake-up that brought nothing (a peer that closes wakes the
     * sleepers). Measured before: a cold process, whose interpreted spin is short, slept on
     * nearly every message and paid the check each time (pipe round trips of 0.1-2 ms for its
     * first thousands of messages). A dead peer is still seen within one slice, and a wait with
     * no time left makes the check at once ({@code finalCheck}) so that a poll still sees the end.
     *
     * @param peerGone the check before sleeping, or null
     * @param finalCheck the check when the deadline has passed, or null
     * @return false when the deadline passed
     */
    private boolean sleep(long sleepers, long wordAddress, int expected, long field, long seen, long deadline,
            boolean interruptible, BooleanSupplier peerGone, BooleanSupplier finalCheck)
            throws InterruptedException, PeerGone {
        if (interruptible && Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (peerGone != null && peerGone.getAsBoolean() && (long) LONG.getVolatile(mem, field) == seen) {
            throw new PeerGone();
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            if (peerGone == null && finalCheck != null && finalCheck.getAsBoolean()
                    && (long) LONG.getVolatile(mem, field) == seen) {
                throw new PeerGone(); // a poll with no time left still sees the end
            }
            return false;
        }
        INT.getAndAdd(mem, sleepers, 1);
        Futex.Outcome o = null;
        try {
            if ((long) LONG.getVolatile(mem, field) == seen) {
                o = Futex.await(wordAddress, expected, Math.min(Waits.SLICE_NANOS, remaining));
            }
        } finally {
            if (o != Futex.Outcome.WOKEN) {
                INT.getAndAdd(mem, sleepers, -1); // a woken one was taken off by its waker (wakeSleepers)
            }
        }
        return true;
    }

    /**
     * Wakes the threads sleeping on a futex word when its sleeper count says there may be some,
     * and takes the ones it woke off the count (see the class comment).
     */
    private void wakeSleepers(long wordAddress, long sleepers) {
        if ((int) INT.getVolatile(mem, sleepers) > 0) {
            wakeNow(wordAddress, sleepers);
        }
    }

    private void wakeNow(long wordAddress, long sleepers) {
        int woken = Futex.wake(wordAddress, Integer.MAX_VALUE);
        if (woken > 0) {
            INT.getAndAdd(mem, sleepers, -woken);
        }
    }

    /** Wakes every thread sleeping for data or room (a peer closed: they re-check it). */
    public void wakeAll() {
        wakeNow(tailAddress, base + CONSUMER_SLEEPERS);
        wakeNow(headAddress, base + PRODUCER_SLEEPERS);
    }

    /** Threads registered as sleeping for data (tests). */
    int consumerSleepers() {
        return (int) INT.getVolatile(mem, base + CONSUMER_SLEEPERS);
    }

    /** Threads registered as sleeping for room (tests). */
    int producerSleepers() {
        return (int) INT.getVolatile(mem, base + PRODUCER_SLEEPERS);
    }

    /**
     * How long to wait for a side's lock: until the deadline, but at least three wait slices, so
     * that a non-blocking call is not turned away by a holder that is about to release, nor by one
     * that died holding the lock (taken over after a slice, see Mutex).
     */
    private static long lockWait(long deadline) {
        if (deadline == Long.MAX_VALUE) {
            return -1;
        }
        return Math.max(3 * Waits.SLICE_NANOS, deadline - System.nanoTime());
    }

    // ------------------------------------------------------------------ whole-ring views

    /** Messages put and not yet taken (exact when no put or take is in progress). */
    public long size() {
        long taken = (long) LONG.getVolatile(mem, base + TAKE_SEQ);
        long put = (long) LONG.getVolatile(mem, base + PUT_SEQ);
        return Math.max(0, put - taken);
    }

    /** The message limit (0: none). */
    public long maxMessages() {
        return maxMessages;
    }

    /** True when a record (maybe padding) is waiting. */
    public boolean hasData() {
        long h = (long) LONG.getAcquire(mem, base + HEAD);
        return h - cachedTail < 0 || (long) LONG.getAcquire(mem, base + TAIL) != h;
    }

    /** A visitor of waiting messages for {@link #scan}. */
    public interface Visitor {
        /**
         * Sees one message; returns true to remove it (mark it so that consumers skip it) and
         * carry on, or throws to stop.
         */
        boolean visit(MemorySegment src, long at, int length, int flags);
    }

    /**
     * Visits the messages waiting now, oldest first, under the consumer lock (so no consumer takes
     * one meanwhile); messages the visitor wants removed are marked and skipped by consumers.
     *
     * @param stopAfterRemoval stop after the first removal
     */
    public void scan(Visitor v, boolean stopAfterRemoval) throws InterruptedException {
        consumerLock.acquire(-1, true);
        try {
            if (consumerLock.tookOver()) {
                repairConsumer();
            }
            long h = (long) LONG.getVolatile(mem, base + HEAD);
            long t = (long) LONG.getAcquire(mem, base + TAIL);
            while (h - t < 0) {
                long idx = h & mask;
                long hdr = mem.get(JAVA_LONG, data + idx);
                int len = (int) hdr;
                int flags = (int) (hdr >>> 32);
                if ((flags & (WRAP | JUMP)) != 0) {
                    h = leadsTo(h, flags);
                    continue;
                }
                h += recordSize(len & 0xFFFFFFFFL);
                if ((flags & (PAD | TOMBSTONE)) != 0 || (flags & FIRST) == 0 || (flags & LAST) == 0) {
                    continue; // chunked messages are only seen by takers
                }
                if (v.visit(mem, data + idx + HEADER, len, flags & ~(FIRST | LAST))) {
                    mem.set(JAVA_LONG, data + idx, header(len, flags | TOMBSTONE));
                    long seq = (long) LONG.getVolatile(mem, base + TAKE_SEQ);
                    LONG.setRelease(mem, base + TAKE_SEQ, seq + 1);
                    wakeSleepers(headAddress, base + PRODUCER_SLEEPERS); // a limit-bound producer may go on
                    if (stopAfterRemoval) {
                        return;
                    }
                }
            }
        } finally {
            consumerLock.release();
        }
    }

    // ------------------------------------------------------------------ JoinableQueue

    /** Counts one finished task; false when there are more than messages put. */
    public boolean taskDone() {
        for (;;) {
            long done = (long) LONG.getVolatile(mem, base + DONE_SEQ);
            long limit = Math.max((long) LONG.getVolatile(mem, base + PUT_SEQ), (long) LONG.getVolatile(mem, base + TAKE_SEQ));
            if (done >= limit) {
                return false;
            }
            if (LONG.compareAndSet(mem, base + DONE_SEQ, done, done + 1)) {
                if (done + 1 >= (long) LONG.getVolatile(mem, base + PUT_SEQ)) {
                    INT.getAndAdd(mem, base + JOIN_WORD, 1);
                    wakeSleepers(joinAddress, base + JOIN_SLEEPERS);
                }
                return true;
            }
        }
    }

    /** Messages put whose task is not done. */
    public long unfinished() {
        long done = (long) LONG.getVolatile(mem, base + DONE_SEQ);
        return Math.max(0, (long) LONG.getVolatile(mem, base + PUT_SEQ) - done);
    }

    /** Waits until every message put has been marked done; false when the deadline passed. */
    public boolean join(long deadline) throws InterruptedException {
        int attempt = 0;
        long spinStart = System.nanoTime();
        for (;;) {
            int word = (int) INT.getVolatile(mem, base + JOIN_WORD);
            if (unfinished() == 0) {
                return true;
            }
            if (spinStart != 0 && Waits.spin(++attempt, spinStart)) {
                continue;
            }
            spinStart = 0;
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            INT.getAndAdd(mem, base + JOIN_SLEEPERS, 1);
            Futex.Outcome o = null;
            try {
                if (unfinished() != 0) {
                    o = Futex.await(joinAddress, word, Math.min(Waits.SLICE_NANOS, remaining));
                }
            } finally {
                if (o != Futex.Outcome.WOKEN) {
                    INT.getAndAdd(mem, base + JOIN_SLEEPERS, -1); // a woken one was taken off by its waker
                }
            }
        }
    }
}
