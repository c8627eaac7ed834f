package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * What a manager does with bad clients, dead clients and its own death: wrong keys, malformed
 * and oversized frames, clients killed with SIGKILL while holding locks and references, a
 * server killed under blocked clients, and 64 clients at once. Real processes, real sockets;
 * every wait has a timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ManagerFaultTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final byte[] KEY = "fault-test-key".getBytes(StandardCharsets.UTF_8);

    Context ctx;
    Manager server;
    SocketAddress address;

    @BeforeAll
    void start() {
        ctx = Context.builder(StartMethod.SPAWN).build();
        ctx.register(ManagerFaultTest.class);
        server = new Manager(new InetSocketAddress("127.0.0.1", 0), KEY);
        server.context(ctx).maxFrameBytes(64 * 1024).serveInBackground();
        address = server.address();
    }

    @AfterAll
    void stop() throws InterruptedException {
        server.close();
        ctx.close();
        Leaks.assertNoChildProcessesWithin(Duration.ofSeconds(10));
        Leaks.assertNoSegmentsOfOtherProcessesWithin(Duration.ofSeconds(10));
    }

    private Manager client() {
        return new Manager(address, KEY).context(ctx).connect();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, Duration within, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within " + within);
            }
            Thread.sleep(10);
        }
    }

    // ---- authentication ----

    @Test
    void aWrongKeyIsRefusedAndTheServerServesEveryoneElse() {
        Map<String, Integer> d;
        try (Manager good = client()) {
            d = good.dict();
            d.put("a", 1);
            AuthenticationException e = assertThrows(AuthenticationException.class,
                    () -> new Manager(address, "wrong".getBytes(StandardCharsets.UTF_8)).connect());
            assertTrue(e.getMessage().contains("127.0.0.1"), e.getMessage());
            d.put("b", 2);
            assertEquals(2, d.size());
        }
    }

    private static byte[] hmac(byte[] key, byte tag, byte[] a, byte[] b) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        mac.update(tag);
        mac.update(a);
        if (b != null) {
            mac.update(b);
        }
        return mac.doFinal();
    }

    /** A raw client that authenticates with {@code key}; returns the socket after the handshake, or null when refused. */
    private Socket rawClient(byte[] key) throws Exception {
        InetSocketAddress a = (InetSocketAddress) address;
        Socket s = new Socket(a.getAddress(), a.getPort());
        s.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] hello = new byte[40];
        in.readFully(hello);
        assertEquals("MP4JMGR1", new String(hello, 0, 8, StandardCharsets.US_ASCII));
        byte[] nonce = Arrays.copyOfRange(hello, 8, 40);
        byte[] answer = new byte[64];
        System.arraycopy(hmac(key, (byte) 'C', nonce, null), 0, answer, 0, 32);
        s.getOutputStream().write(answer);
        int verdict = in.read();
        if (verdict != 1) {
            s.close();
            return null;
        }
        byte[] proof = new byte[32];
        in.readFully(proof);
        return s;
    }

    private static void assertClosedByServer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            assertEquals(-1, in.read(), "the server should have closed the connection");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept a bad connection open", e);
        } catch (IOException e) {
            // reset by the server: closed too
        } finally {
            s.close();
        }
    }

    @Test
    void aRawClientWithAWrongProofIsToldNoAndCut() throws Exception {
        assertEquals(null, rawClient("nope".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void malformedAndOversizedFramesCloseOnlyTheirConnection() throws Exception {
        try (Manager good = client()) {
            Map<String, Integer> d = good.dict();
            d.put("before", 1);

            Socket garbage = rawClient(KEY);
            DataOutputStream out = new DataOutputStream(garbage.getOutputStream());
            out.writeInt(3);
            out.write(new byte[] {42, 42, 42}); // not a HELLO
            assertClosedByServer(garbage);

            Socket huge = rawClient(KEY);
            new DataOutputStream(huge.getOutputStream()).writeInt(Integer.MAX_VALUE); // 2 GiB announced, nothing allocated
            assertClosedByServer(huge);

            Socket truncated = rawClient(KEY);
            out = new DataOutputStream(truncated.getOutputStream());
            out.writeInt(19); // HELLO, kind calls, client id, pid, no pipe
            out.writeByte(1);
            out.writeByte(1);
            out.writeLong(7);
            out.writeLong(7);
            out.writeByte(0);
            DataInputStream in = new DataInputStream(truncated.getInputStream());
            byte[] reply = new byte[in.readInt()];
            in.readFully(reply);
            assertEquals(0, reply[0], "HELLO accepted");
            out.writeInt(5);
            out.write(new byte[] {4, 0, 0, 0, 1}); // a CALL cut short after 4 bytes of its object id
            assertClosedByServer(truncated);

            d.put("after", 2);
            assertEquals(Map.of("before", 1, "after", 2), ((ManagerProxy) d).copyValue());
        }
    }

    @Test
    void aMessageOverTheFrameLimitOnThePipeClosesThatConnectionAndTheNextCallReconnects() {
        try (Manager good = client()) {
            Map<String, byte[]> d = good.dict();
            assertThrows(ManagerException.class, () -> d.put("big", new byte[100 * 1024]));
            d.put("small", new byte[10]);
            assertEquals(1, d.size());
        }
    }

    @Test
    void connectingWhereNoServerListensNamesTheAddress() throws IOException {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        ManagerException e = assertThrows(ManagerException.class,
                () -> new Manager(new InetSocketAddress("127.0.0.1", port), KEY).connect());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    // ---- dead clients ----

    static void holdAndHang(LockProxy lock, EventProxy held, Map<String, Object> created) throws Exception {
        lock.lock();
        try (Manager own = new Manager(ManagerWire.parseAddress((String) created.get("address")), KEY).connect()) {
            for (int i = 0; i < 5; i++) {
                created.put("list" + i, own.list()); // stored proxies: the dict holds these five
            }
            List<Object> mine = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                mine.add(own.dict()); // held by this process only
            }
            held.set();
            Thread.sleep(120_000); // until killed
        }
    }

    @Test
    void aClientKilledWithSigkillReleasesItsLockAndItsReferences() throws Exception {
        try (Manager m = client()) {
            LockProxy lock = m.lock();
            EventProxy held = m.event();
            Map<String, Object> created = m.dict();
            created.put("address", ManagerWire.formatAddress(address));
            int before = server.localServer().objectCount();
            Process child = ctx.process(ManagerFaultTest::holdAndHang, lock, held, created);
            child.start();
            assertTrue(held.await(WAIT), "the child did not get ready");
            assertEquals(before + 25, server.localServer().objectCount());
            assertFalse(lock.tryLock(), "the child holds the lock");
            child.kill();
            assertTrue(child.join(WAIT));
            assertTrue(lock.tryLock(10, TimeUnit.SECONDS), "the dead child's lock was not released");
            lock.unlock();
            awaitTrue(() -> server.localServer().objectCount() == before + 5, Duration.ofSeconds(10),
                    "the release of the dead child's references");
            assertInstanceOf(List.class, created.get("list0"), "objects another holder refers to live on");
        }
    }

    // ---- a dead server ----

    @Test
    void aKilledServerIsAnErrorForBlockedAndLaterCallsNotAHang() throws Exception {
        Manager m = new Manager().context(ctx).start();
        BlockingQueue<Integer> q = m.queue();
        Map<String, Integer> d = m.dict();
        d.put("x", 1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> blocked = pool.submit(() -> q.take());
            Thread.sleep(200); // the take is on its way; the assertion below holds either way
            Process serverProcess = m.serverProcess().orElseThrow();
            serverProcess.kill();
            ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(10, TimeUnit.SECONDS));
            assertInstanceOf(ManagerException.class, e.getCause());
            ManagerException later = assertThrows(ManagerException.class, () -> d.put("y", 2));
            assertTrue(later.getMessage().contains("manager"), later.getMessage());
        } finally {
            pool.shutdownNow();
            m.close();
        }
    }

    // ---- many clients ----

    static void eightParties(BarrierProxy barrier, SharedIntArray arrivals, Integer slot) throws Exception {
        Thread[] threads = new Thread[8];
        Exception[] failed = new Exception[1];
        for (int t = 0; t < 8; t++) {
            int index = slot * 8 + t;
            threads[t] = Thread.ofPlatform().start(() -> {
                try {
                    arrivals.set(index, barrier.await(WAIT) + 1);
                } catch (Exception e) {
                    failed[0] = e;
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failed[0] != null) {
            throw failed[0];
        }
    }

    @Test
    void sixtyFourClientsInEightProcessesWaitOnTheServerAtOnce() throws Exception {
        try (Manager m = client()) {
            BarrierProxy barrier = m.barrier(64);
            SharedIntArray arrivals = Multiprocessing.sharedIntArray(64);
            List<Process> ps = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ps.add(ctx.process(ManagerFaultTest::eightParties, barrier, arrivals, i));
            }
            ps.forEach(Process::start);
            for (Process p : ps) {
                assertTrue(p.join(WAIT), p + " did not end");
                assertEquals(0, p.exitCode().orElseThrow(), p + " failed");
            }
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (int i = 0; i < 64; i++) {
                seen.add(arrivals.get(i));
            }
            assertEquals(64, seen.size(), "every party got its own arrival index: " + seen);
            assertFalse(seen.contains(0));
        }
    }

    @Test
    void sixtyFourClientsAreServedAtOnce() throws Exception {
        try (Manager m = client()) {
            BarrierProxy barrier = m.barrier(64);
            ExecutorService threads = Executors.newFixedThreadPool(64);
            try {
                List<CompletableFuture<Integer>> arrivals = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    arrivals.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return barrier.await(WAIT);
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    }, threads));
                }
                CompletableFuture.allOf(arrivals.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
                assertEquals(64, arrivals.stream().map(CompletableFuture::join).distinct().count(),
                        "every party got its own arrival index: all 64 waited on the server at once");
            } finally {
                threads.shutdownNow();
            }
        }
    }
}
