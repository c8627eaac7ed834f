package org.multiprocessing4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.AuthenticationException;
import org.multiprocessing4j.BaseManager;

/** {@code ./mp4j manager serve} as a separate OS process, used by clients in this JVM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ManagerCommandTest {
    @TempDir
    Path dir;

    @Test
    void servesNamedQueuesAndDictsToAuthenticatedClientsUntilShutdown() throws Exception {
        Path keyFile = dir.resolve("key");
        Files.writeString(keyFile, "s3cret\n");
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                "org.multiprocessing4j.cli.Main", "manager", "serve", "--address", "127.0.0.1:0",
                "--authkey-file", keyFile.toString(), "--queue", "tasks", "--dict", "results");
        java.lang.Process server = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            Matcher m = Pattern.compile("manager serving at 127\\.0\\.0\\.1:(\\d+) with \\{tasks=queue, results=dict}").matcher(first);
            assertTrue(m.find(), first);
            String address = "127.0.0.1:" + m.group(1);
            byte[] key = "s3cret".getBytes(StandardCharsets.UTF_8);

            BaseManager producer = new BaseManager(BaseManager.address(address), key)
                    .register("tasks", BlockingQueue.class).register("results", Map.class).connect();
            BlockingQueue<String> q = producer.create("tasks");
            q.put("task-1");
            Map<String, Integer> results = producer.create("results");
            results.put("done", 1);

            BaseManager consumer = new BaseManager(BaseManager.address(address), key).sharedMemory(false)
                    .register("tasks", BlockingQueue.class).register("results", Map.class).connect();
            BlockingQueue<String> q2 = consumer.create("tasks");
            assertEquals("task-1", q2.poll(10, TimeUnit.SECONDS), "the same queue for every client");
            Map<String, Integer> results2 = consumer.create("results");
            assertEquals(1, results2.get("done"));

            assertThrows(AuthenticationException.class,
                    () -> new BaseManager(BaseManager.address(address), "wrong".getBytes(StandardCharsets.UTF_8)).connect());
            assertEquals(1, results.get("done"), "the server goes on after refusing a client");

            consumer.close();
            producer.shutdown();
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server did not stop after shutdown()");
            assertEquals(0, server.exitValue());
            String rest = String.join("\n", out.lines().toList());
            assertTrue(rest.contains("stopped"), rest);
        } finally {
            server.destroyForcibly();
        }
    }

    @Test
    void missingOptionsAndAnEmptyKeyAreClearErrors() throws Exception {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream e = new java.io.PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, Main.run(new String[] {"manager", "serve", "--address", "127.0.0.1:0"}, System.out, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--authkey-file are required"), err.toString(StandardCharsets.UTF_8));
        Path empty = Files.createFile(dir.resolve("empty"));
        err.reset();
        assertEquals(2, Main.run(new String[] {"manager", "serve", "--address", "127.0.0.1:0", "--authkey-file", empty.toString()},
                System.out, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("is empty"), err.toString(StandardCharsets.UTF_8));
    }
}
