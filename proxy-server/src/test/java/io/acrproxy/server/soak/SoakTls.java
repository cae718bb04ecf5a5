package io.acrproxy.server.soak;

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
 * One self-signed certificate for every soak host name, made with the JDK's keytool, so that the workload verifies
 * its origins for real; TLS 1.3 on both sides, whose half-close the upload workload relies on.
 */
final class SoakTls {
    static final String PASSWORD = "changeit";

    final SSLContext server;
    final SSLContext client;

    private SoakTls(SSLContext server, SSLContext client) {
        this.server = server;
        this.client = client;
    }

    static SoakTls create(Path dir, String... names) throws IOException, GeneralSecurityException, InterruptedException {
        Path ks = dir.resolve("soak-origin.p12");
        StringBuilder san = new StringBuilder();
        for (String n : names) {
            san.append(san.length() == 0 ? "" : ",").append("dns:").append(n);
        }
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "origin", "-keyalg", "EC",
                "-groupname", "secp256r1", "-validity", "2", "-dname", "CN=" + names[0], "-ext", "SAN=" + san,
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, PASSWORD.toCharArray());
        SSLContext server = SSLContext.getInstance("TLSv1.3");
        server.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext client = SSLContext.getInstance("TLSv1.3");
        client.init(null, tmf.getTrustManagers(), null);
        return new SoakTls(server, client);
    }
}
