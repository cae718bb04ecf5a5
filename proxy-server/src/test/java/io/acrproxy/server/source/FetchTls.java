package io.acrproxy.server.source;

import io.acrproxy.server.it.TestTls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for the test origin's IP address, made with the JDK's {@code keytool} as
 * {@link TestTls} does; {@link TestTls}'s certificate names only host names, and the JDK client verifies the
 * address it connects to, so the fetcher is tested with real verification rather than a trust-all client.
 */
final class FetchTls {
    static final String ADDRESS = "127.0.0.28";
    private static final String PASSWORD = TestTls.PASSWORD;
    private static FetchTls instance;

    final SSLContext server;
    final SSLContext client;

    private FetchTls(Path keyStore) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
    }

    /** Generated once per test JVM. */
    static synchronized FetchTls get() throws IOException, GeneralSecurityException, InterruptedException {
        if (instance == null) {
            Path ks = Files.createTempDirectory("acrproxy-fetch-tls").resolve("origin.p12");
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "origin", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-validity", "2", "-dname", "CN=" + ADDRESS,
                    "-ext", "SAN=ip:" + ADDRESS, "-storetype", "PKCS12", "-keystore", ks.toString(),
                    "-storepass", PASSWORD, "-keypass", PASSWORD)
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool failed: " + output);
            }
            instance = new FetchTls(ks);
        }
        return instance;
    }
}
