package org.multiprocessing4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manager over TLS: a self-signed certificate made with the JDK's keytool, a server that
 * presents it and a client that trusts it; a client without TLS gets a clear error.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ManagerTlsTest {
    @TempDir
    Path dir;

    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final byte[] KEY = "tls-key".getBytes(StandardCharsets.UTF_8);

    private KeyStore keyStore() throws Exception {
        Path ks = dir.resolve("server.p12");
        java.lang.Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "mgr", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)).redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool failed: " + out);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    @Test
    void aTlsServerServesATlsClientAndRefusesAPlainOne() throws Exception {
        KeyStore store = keyStore();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, PASSWORD);
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);

        Manager server = new Manager(new InetSocketAddress("127.0.0.1", 0), KEY);
        server.tls(serverTls).serveInBackground();
        try {
            try (Manager client = new Manager(server.address(), KEY)) {
                client.tls(clientTls).connect();
                Map<String, List<Integer>> d = client.dict();
                d.put("xs", List.of(1, 2, 3));
                assertEquals(List.of(1, 2, 3), d.get("xs"));
                assertThrows(IllegalStateException.class, client::start, "configured once");
            }
            ManagerException plain = assertThrows(ManagerException.class, () -> new Manager(server.address(), KEY).connect());
            assertTrue(plain.getMessage().contains("127.0.0.1"), plain.getMessage());
            try (Manager again = new Manager(server.address(), KEY)) {
                again.tls(clientTls).connect();
                assertEquals(0, again.list().size(), "the server goes on after the plain client");
            }
        } finally {
            server.close();
        }
    }
}
