package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.multiprocessing4j.internal.codec.Codec;

/**
 * Fuzzes the manager's wire protocol for a bounded time (8 s per test by default;
 * {@code -Dmp4j.fuzz.seconds}), with a seed printed at the start ({@code -Dmp4j.fuzz.seed} replays
 * a run). What is tried:
 * <ul>
 *   <li>before authentication: random bytes of random length in place of the client's answer;
 *   <li>after authentication: sequences of frames, each a valid request (HELLO, CREATE, DESCRIBE,
 *       CALL with inline values, INCREF, DECREF, PIN, CLAIM), that request mutated (bytes flipped
 *       or replaced, cut short, extended with random bytes), random bytes, or a length field
 *       that lies (past the frame limit, or longer than what follows). SHUTDOWN is never sent,
 *       and only dicts are created: a call may reach any method, and a blocking one (a queue's
 *       take) waits as it should.
 * </ul>
 * What must hold: every frame gets a reply ({@code OK} or {@code ERR}) or the server closes that
 * connection, within a timeout (never a hang); random bytes never pass authentication; and a
 * well-behaved client of the same server, used between the cases, keeps working throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ManagerFuzzTest {
    static final byte[] KEY = "fuzz-test-key".getBytes(StandardCharsets.UTF_8);
    static final int MAX_FRAME = 64 * 1024;
    static final int READ_TIMEOUT_MS = 15_000; // above the server's 10 s handshake limit
    static final long SECONDS = Long.getLong("mp4j.fuzz.seconds", 8);

    Context ctx;
    Manager server;
    InetSocketAddress address;
    Manager good;
    Map<String, Integer> goodDict;
    final Codec codec = new Codec(ManagerFuzzTest.class.getClassLoader());
    final long seed = Long.getLong("mp4j.fuzz.seed", System.nanoTime());
    final Random random = new Random(seed);

    @BeforeAll
    void start() {
        System.out.println("[fuzz] seed " + seed + " (replay with -Dmp4j.fuzz.seed=" + seed + ")");
        ctx = Context.builder(StartMethod.SPAWN).build();
        server = new Manager(new InetSocketAddress("127.0.0.1", 0), KEY);
        server.context(ctx).maxFrameBytes(MAX_FRAME).serveInBackground();
        address = (InetSocketAddress) server.address();
        good = new Manager(address, KEY).context(ctx).connect();
        goodDict = good.dict();
    }

    @AfterAll
    void stop() throws InterruptedException {
        good.close();
        server.close();
        ctx.close();
        Leaks.assertNoChildProcessesWithin(Duration.ofSeconds(10));
    }

    /** The well-behaved client still gets correct answers. */
    private void goodClientWorks(int n) {
        goodDict.put("n", n);
        assertEquals(n, goodDict.get("n"), "the good client's answer after fuzz case " + n);
    }

    private static byte[] hmac(byte tag, byte[] a) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        mac.update(tag);
        mac.update(a);
        return mac.doFinal();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(address.getAddress(), address.getPort());
        s.setSoTimeout(READ_TIMEOUT_MS);
        s.setTcpNoDelay(true);
        return s;
    }

    /** Reads until the server closes; fails if it neither closes nor stops sending within the timeout. */
    private static void assertServerCloses(Socket s, String what) throws IOException {
        try {
            byte[] drain = new byte[4096];
            while (s.getInputStream().read(drain) >= 0) {
                // a refusal byte, or the rest of a reply: read on to the end
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither answered nor closed: " + what, e);
        } catch (IOException e) {
            // reset by the server: closed
        } finally {
            s.close();
        }
    }

    @Test
    void randomBytesInPlaceOfTheHandshakeNeverAuthenticateAndNeverHang() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        int cases = 0;
        while (System.nanoTime() < deadline) {
            try (Socket s = connect()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] greeting = new byte[40];
                in.readFully(greeting);
                assertEquals("MP4JMGR1", new String(greeting, 0, 8, StandardCharsets.US_ASCII));
                byte[] junk = new byte[random.nextInt(3) == 0 ? 64 : random.nextInt(200)];
                random.nextBytes(junk);
                s.getOutputStream().write(junk);
                s.shutdownOutput(); // what was sent is all there is
                int verdict = s.getInputStream().read();
                assertNotEquals(1, verdict, "random bytes passed authentication (case " + cases + ")");
                assertServerCloses(s, "junk handshake of " + junk.length + " bytes");
            }
            if (++cases % 20 == 0) {
                goodClientWorks(cases);
            }
        }
        goodClientWorks(cases);
        System.out.println("[fuzz] handshake: " + cases + " random answers refused");
        assertTrue(cases > 10, "too few cases ran: " + cases);
    }

    // ---- after authentication ----

    /** An authenticated raw connection; its HELLO not yet sent. */
    private Socket authenticated() throws Exception {
        Socket s = connect();
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] greeting = new byte[40];
        in.readFully(greeting);
        byte[] answer = new byte[64];
        System.arraycopy(hmac((byte) 'C', Arrays.copyOfRange(greeting, 8, 40)), 0, answer, 0, 32);
        s.getOutputStream().write(answer);
        assertEquals(1, in.read(), "the right key was refused");
        in.readFully(new byte[32]);
        return s;
    }

    private byte[] hello() {
        return body(new PoolWire.Out(32).writeByte(ManagerWire.HELLO).writeByte(ManagerWire.SESSION)
                .writeLong(random.nextLong()).writeLong(ProcessHandle.current().pid()).writeByte(0));
    }

    private static byte[] body(PoolWire.Out out) {
        return Arrays.copyOf(out.buffer(), out.size());
    }

    private Object someValue() {
        return switch (random.nextInt(5)) {
            case 0 -> random.nextInt();
            case 1 -> "s" + random.nextInt(100);
            case 2 -> null;
            case 3 -> random.nextLong();
            default -> random.nextDouble();
        };
    }

    /** A well-formed request (it may still be refused: unknown ids, wrong counts). */
    private byte[] validRequest(long objectId) {
        PoolWire.Out out = new PoolWire.Out(128);
        switch (random.nextInt(8)) {
            // dicts only: a call may land on any method of what it names, and a queue's take() on an
            // empty queue rightly waits (found by this test when it created queues too)
            case 0 -> out.writeByte(ManagerWire.CREATE).writeText(random.nextBoolean() ? "dict" : "nonesuch").writeInt(0);
            case 1 -> out.writeByte(ManagerWire.DESCRIBE).writeText(random.nextBoolean() ? "dict" : "nonesuch");
            case 2 -> out.writeByte(ManagerWire.INCREF).writeLong(objectId);
            case 3 -> out.writeByte(ManagerWire.DECREF).writeInt(1).writeLong(random.nextBoolean() ? objectId : random.nextLong());
            case 4 -> out.writeByte(ManagerWire.PIN).writeLong(objectId);
            case 5 -> out.writeByte(ManagerWire.CLAIM).writeLong(random.nextLong()).writeLong(objectId);
            default -> {
                int argc = random.nextInt(3);
                out.writeByte(ManagerWire.CALL).writeLong(objectId).writeInt(random.nextInt(40) - 2).writeInt(argc);
                for (int i = 0; i < argc; i++) {
                    PoolWire.writeValue(out, someValue(), codec);
                }
            }
        }
        return body(out);
    }

    private byte[] mutated(byte[] b) {
        byte[] m = b;
        switch (random.nextInt(4)) {
            case 0 -> { // flip bits
                m = b.clone();
                for (int i = 0, n = 1 + random.nextInt(4); i < n && m.length > 0; i++) {
                    m[random.nextInt(m.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> { // replace bytes
                m = b.clone();
                for (int i = 0, n = 1 + random.nextInt(4); i < n && m.length > 0; i++) {
                    m[random.nextInt(m.length)] = (byte) random.nextInt(256);
                }
            }
            case 2 -> m = Arrays.copyOf(b, b.length == 0 ? 0 : random.nextInt(b.length)); // cut short
            default -> { // random bytes appended
                m = Arrays.copyOf(b, b.length + 1 + random.nextInt(64));
                for (int i = b.length; i < m.length; i++) {
                    m[i] = (byte) random.nextInt(256);
                }
            }
        }
        if (m.length > 0 && m[0] == ManagerWire.SHUTDOWN) {
            m[0] = ManagerWire.CALL; // stopping the server is a legitimate request, not a fuzz case
        }
        return m;
    }

    private byte[] randomBody() {
        byte[] b = new byte[random.nextInt(300)];
        random.nextBytes(b);
        if (b.length > 0 && b[0] == ManagerWire.SHUTDOWN) {
            b[0] = 0;
        }
        return b;
    }

    /** What happened to one frame. */
    enum Outcome { OK, ERR, CLOSED }

    /** What a reply from {@link #replyTo} says (null: the connection was closed). */
    private static Outcome outcomeOf(byte[] reply) {
        return reply == null ? Outcome.CLOSED : reply[0] == ManagerWire.OK ? Outcome.OK : Outcome.ERR;
    }

    /** The reply to a frame (length as given), or null when the server closed the connection. */
    private static byte[] replyTo(Socket s, int length, byte[] body) throws IOException {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        DataInputStream in = new DataInputStream(s.getInputStream());
        try {
            byte[] frame = new byte[4 + body.length]; // one write: no wait for Nagle's algorithm
            java.nio.ByteBuffer.wrap(frame).putInt(length).put(body);
            out.write(frame);
            out.flush();
            if (length != body.length) {
                s.shutdownOutput(); // a length that lies: nothing more comes
            }
            int n = in.readInt();
            assertTrue(n >= 1 && n <= 1 << 20, "reply frame length " + n);
            byte[] reply = new byte[n];
            in.readFully(reply);
            assertTrue(reply[0] == ManagerWire.OK || reply[0] == ManagerWire.ERR, "reply tag " + reply[0]);
            return reply;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no reply and no close within " + READ_TIMEOUT_MS + " ms for a frame of "
                    + body.length + " bytes (length field " + length + "): " + Arrays.toString(body), e);
        } catch (EOFException | java.net.SocketException e) {
            return null; // the server cut this connection
        }
    }

    @Test
    void mutatedAndRandomFramesAreAnsweredOrCutAndTheServerServesOn() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        Map<String, Integer> outcomes = new TreeMap<>();
        int cases = 0;
        int connections = 0;
        while (System.nanoTime() < deadline) {
            connections++;
            try (Socket s = authenticated()) {
                byte[] hello = random.nextInt(8) == 0 ? mutated(hello()) : hello();
                Outcome first = outcomeOf(replyTo(s, hello.length, hello));
                outcomes.merge("HELLO " + first, 1, Integer::sum);
                long objectId = random.nextLong();
                Outcome o = first;
                while (o != Outcome.CLOSED && System.nanoTime() < deadline) {
                    byte[] valid = validRequest(objectId);
                    int kind = random.nextInt(10);
                    byte[] frame = kind < 4 ? valid : kind < 8 ? mutated(valid) : randomBody();
                    int length = frame.length;
                    if (random.nextInt(40) == 0) {
                        length = random.nextBoolean() ? MAX_FRAME + 1 + random.nextInt(1 << 20) : frame.length + 1 + random.nextInt(100);
                    }
                    byte[] reply = replyTo(s, length, frame);
                    o = outcomeOf(reply);
                    String label = (kind < 4 ? "valid" : kind < 8 ? "mutated" : "random") + (length != frame.length ? " (lying length)" : "");
                    outcomes.merge(label + " " + o, 1, Integer::sum);
                    if (frame == valid && frame[0] == ManagerWire.CREATE && o == Outcome.OK) {
                        objectId = new PoolWire.In(reply, 1, reply.length).readLong(); // aim the next requests at it
                    } else if (random.nextInt(20) == 0) {
                        objectId = random.nextLong(); // and some at ids that do not exist
                    }
                    if (++cases % 50 == 0) {
                        goodClientWorks(cases);
                    }
                }
            }
        }
        goodClientWorks(cases);
        System.out.println("[fuzz] frames: " + cases + " cases over " + connections + " connections: " + outcomes);
        assertTrue(cases > 100, "too few cases ran: " + cases);
        assertTrue(outcomes.keySet().stream().anyMatch(k -> k.endsWith("OK")), "no request was ever accepted: " + outcomes);
        assertTrue(outcomes.keySet().stream().anyMatch(k -> k.endsWith("ERR")), "no request was ever refused: " + outcomes);
    }
}
