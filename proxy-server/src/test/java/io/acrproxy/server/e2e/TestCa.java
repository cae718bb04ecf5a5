package io.acrproxy.server.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A throwaway certificate authority and one server certificate it signs for every endpoint name of the
 * look-alike, made with the JDK's {@code keytool}. Clients trust the CA (not the server certificate), as they
 * would trust a public CA for the real Azure endpoints: curl with {@code --cacert}, skopeo with
 * {@code --cert-dir}, the Docker daemon with {@code SSL_CERT_FILE}.
 */
final class TestCa {
    private static final String PASSWORD = "changeit";

    private final Path dir;
    private final Path caPem;
    private final SSLContext serverContext;

    private TestCa(Path dir, Path caPem, SSLContext serverContext) {
        this.dir = dir;
        this.caPem = caPem;
        this.serverContext = serverContext;
    }

    static TestCa issue(Path dir, List<String> hostNames) throws IOException, InterruptedException, GeneralSecurityException {
        Path ca = dir.resolve("ca.p12");
        Path caPem = dir.resolve("ca.pem");
        Path server = dir.resolve("server.p12");
        Path csr = dir.resolve("server.csr");
        Path serverPem = dir.resolve("server.pem");
        String san = hostNames.stream().map(h -> "dns:" + h).collect(Collectors.joining(","));
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=acr-egress-proxy end-to-end test CA", "-ext", "bc:c", "-ext", "ku:c=keyCertSign,cRLSign",
                "-storetype", "PKCS12", "-keystore", ca.toString(), "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", PASSWORD,
                "-file", caPem.toString());
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=" + hostNames.get(0), "-storetype", "PKCS12", "-keystore", server.toString(),
                "-storepass", PASSWORD);
        keytool("-certreq", "-alias", "server", "-keystore", server.toString(), "-storepass", PASSWORD,
                "-file", csr.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", PASSWORD,
                "-infile", csr.toString(), "-outfile", serverPem.toString(), "-validity", "2",
                "-ext", "SAN=" + san, "-ext", "ku:c=digitalSignature", "-ext", "eku=serverAuth");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-keystore", server.toString(), "-storepass", PASSWORD,
                "-file", caPem.toString());
        keytool("-importcert", "-noprompt", "-alias", "server", "-keystore", server.toString(), "-storepass", PASSWORD,
                "-file", serverPem.toString());

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(server)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return new TestCa(dir, caPem, context);
    }

    /** The CA certificate in PEM. */
    Path caPem() {
        return caPem;
    }

    /** A directory holding {@code ca.crt}, the layout skopeo's {@code --cert-dir} and Docker's certs.d read. */
    Path certDir() throws IOException {
        Path certs = dir.resolve("certs");
        if (!Files.exists(certs)) {
            Files.createDirectories(certs);
            Files.copy(caPem, certs.resolve("ca.crt"));
        }
        return certs;
    }

    /** Serves the chain (server certificate and CA) for every look-alike name. */
    SSLContext serverContext() {
        return serverContext;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + output);
        }
    }
}
