package io.acrproxy.server.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throwaway certificate authority for in-process TLS origins: one self-signed certificate for every
 * registry name the tests use, made with the JDK's own {@code keytool} (no test-only crypto library), so
 * clients can verify TLS for real instead of trusting everything.
 */
public final class TestTls {
    public static final String PASSWORD = "changeit";
    public static final String SAN = "dns:myregistry.azurecr.io,dns:myregistry.eastus.data.azurecr.io,"
            + "dns:evilreg.azurecr.io,dns:other.example.org,ip:127.0.0.30";

    private static TestTls instance;

    private final Path keyStore;
    private Path caPem;
    private final SSLContext serverContext;
    private final SSLContext clientContext;

    private TestTls(Path keyStore) throws IOException, GeneralSecurityException {
        this.keyStore = keyStore;
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);
    }

    /** Generated once per test JVM. */
    public static synchronized TestTls get() throws IOException, GeneralSecurityException, InterruptedException {
        if (instance == null) {
            Path dir = Files.createTempDirectory("acrproxy-tls");
            Path ks = dir.resolve("origin.p12");
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "origin", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-validity", "2", "-dname", "CN=myregistry.azurecr.io",
                    "-ext", "SAN=" + SAN, "-storetype", "PKCS12", "-keystore", ks.toString(),
                    "-storepass", PASSWORD, "-keypass", PASSWORD)
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool failed: " + output);
            }
            instance = new TestTls(ks);
        }
        return instance;
    }

    public SSLContext serverContext() {
        return serverContext;
    }

    public SSLContext clientContext() {
        return clientContext;
    }

    public Path keyStore() {
        return keyStore;
    }

    /** The certificate in PEM, for clients such as curl that take a CA file. */
    public synchronized Path caPem() throws IOException, InterruptedException {
        if (caPem == null) {
            Path pem = keyStore.resolveSibling("origin.pem");
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Process p = new ProcessBuilder(keytool.toString(), "-exportcert", "-rfc", "-alias", "origin",
                    "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-file", pem.toString())
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool -exportcert failed: " + output);
            }
            caPem = pem;
        }
        return caPem;
    }

    /** A TLS 1.3 ClientHello naming {@code host}, as the JDK sends it: the proxy checks it, the sink ignores it. */
    public static byte[] clientHello(String host, int port) throws Exception {
        SSLEngine engine = TestTls.get().clientContext().createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(host)));
        engine.setSSLParameters(params);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.beginHandshake();
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        return hello;
    }
}
