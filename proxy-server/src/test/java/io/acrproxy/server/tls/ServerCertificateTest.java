package io.acrproxy.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.acrproxy.server.tls.TestPki.KeyForm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Reading {@code listenTls}'s files: every key form tools write, and each problem named with its key. */
class ServerCertificateTest {
    @TempDir
    static Path dir;
    static TestPki pki;

    @BeforeAll
    static void makePki() throws Exception {
        assumeTrue(TestPki.available(), "openssl is not installed");
        pki = new TestPki(dir);
    }

    private static TlsFiles files(TestPki.Issued issued) {
        return new TlsFiles(issued.certificate(), issued.key(), null, false);
    }

    @ParameterizedTest
    @EnumSource(KeyForm.class)
    void readsTheKeyFormsThatCertManagerAndOpensslWrite(KeyForm form) throws Exception {
        TestPki.Issued issued = pki.server("server-" + form, "proxy.test", form, 2);
        String header = Files.readString(issued.key()).lines().findFirst().orElseThrow();
        assertThat(header).isEqualTo(switch (form) {
            case RSA_PKCS8, EC_PKCS8 -> "-----BEGIN PRIVATE KEY-----";
            case RSA_PKCS1 -> "-----BEGIN RSA PRIVATE KEY-----";
            case EC_SEC1 -> "-----BEGIN EC PRIVATE KEY-----";
        });

        ServerCertificate loaded = ServerCertificate.load(files(issued), Instant.now());

        assertThat(loaded.chain()).as("leaf, then the CA").hasSize(2);
        assertThat(loaded.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=proxy.test");
        assertThat(loaded.key().getAlgorithm()).isEqualTo(form.name().startsWith("RSA") ? "RSA" : "EC");
        // The context builds: the key is usable for TLS, not merely parsed.
        assertThat(ServerTls.context(loaded, false).isServer()).isTrue();
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedWithTheKeyFilesKey() throws Exception {
        TestPki.Issued one = pki.server("one", "proxy.test", KeyForm.EC_PKCS8, 2);
        TestPki.Issued other = pki.server("other", "proxy.test", KeyForm.EC_PKCS8, 2);
        assertThatThrownBy(() -> ServerCertificate.load(new TlsFiles(one.certificate(), other.key(), null, false), Instant.now()))
                .isInstanceOfSatisfying(ServerCertificate.Problem.class, p -> assertThat(p.key()).isEqualTo("keyFile"))
                .hasMessageContaining("the key does not belong to the certificate in listenTls.certFile (CN=proxy.test)");
        TestPki.Issued rsa = pki.server("rsa", "proxy.test", KeyForm.RSA_PKCS1, 2);
        assertThatThrownBy(() -> ServerCertificate.load(new TlsFiles(one.certificate(), rsa.key(), null, false), Instant.now()))
                .hasMessageContaining("does not belong");
    }

    @Test
    void anExpiredOrNotYetValidCertificateIsRefused() throws Exception {
        TestPki.Issued issued = pki.server("short", "proxy.test", KeyForm.EC_PKCS8, 1);
        assertThatThrownBy(() -> ServerCertificate.load(files(issued), Instant.now().plus(Duration.ofDays(3))))
                .isInstanceOfSatisfying(ServerCertificate.Problem.class, p -> assertThat(p.key()).isEqualTo("certFile"))
                .hasMessageContaining("the certificate expired on ").hasMessageContaining("(expected: a certificate valid now)");
        assertThatThrownBy(() -> ServerCertificate.load(files(issued), Instant.now().minus(Duration.ofDays(3))))
                .hasMessageContaining("the certificate is not valid before ");
    }

    @Test
    void unreadableEmptyAndEncryptedFilesAreNamed() throws Exception {
        TestPki.Issued issued = pki.server("files", "proxy.test", KeyForm.EC_PKCS8, 2);
        Path missing = dir.resolve("missing.crt");
        assertThatThrownBy(() -> ServerCertificate.load(new TlsFiles(missing, issued.key(), null, false), Instant.now()))
                .isInstanceOfSatisfying(ServerCertificate.Problem.class, p -> assertThat(p.key()).isEqualTo("certFile"))
                .hasMessage(missing + ": does not exist");

        Path empty = Files.writeString(dir.resolve("empty.pem"), "# nothing here\n");
        assertThatThrownBy(() -> ServerCertificate.load(new TlsFiles(empty, issued.key(), null, false), Instant.now()))
                .hasMessage(empty + ": no certificate in it (expected: a PEM chain, the proxy's certificate first)");
        assertThatThrownBy(() -> ServerCertificate.load(new TlsFiles(issued.certificate(), empty, null, false), Instant.now()))
                .isInstanceOfSatisfying(ServerCertificate.Problem.class, p -> assertThat(p.key()).isEqualTo("keyFile"))
                .hasMessageContaining("no private key in it");
        assertThatThrownBy(() -> ServerCertificate.load(new TlsFiles(issued.certificate(), issued.key(), empty, false),
                Instant.now()))
                .isInstanceOfSatisfying(ServerCertificate.Problem.class, p -> assertThat(p.key()).isEqualTo("clientCaFile"))
                .hasMessageContaining("no certificate in it (expected: the PEM certificates of the CAs");

        pki.openssl("pkcs8", "-topk8", "-in", issued.key().getFileName().toString(), "-out", "encrypted.key",
                "-passout", "pass:secret");
        assertThatThrownBy(() -> ServerCertificate.load(new TlsFiles(issued.certificate(), dir.resolve("encrypted.key"),
                null, false), Instant.now()))
                .hasMessageContaining("the key is encrypted (expected: an unencrypted key");

        Path garbage = Files.writeString(dir.resolve("garbage.crt"),
                "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> ServerCertificate.load(new TlsFiles(garbage, issued.key(), null, false), Instant.now()))
                .hasMessageContaining("certificate 1 does not parse");
    }

    /** TLS 1.2 and 1.3 only, forward-secret AEAD suites only, whichever engine serves (design §2.4). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"default", "jdk"})
    void theContextOffersTls12And13WithForwardSecretAeadSuitesOnly(String provider) throws Exception {
        TestPki.Issued issued = pki.server("suites-" + provider, "proxy.test", KeyForm.EC_PKCS8, 2);
        ServerCertificate loaded = ServerCertificate.load(files(issued), Instant.now());
        if (provider.equals("jdk")) {
            System.setProperty("acrproxy.tls.provider", "jdk");
        }
        try {
            javax.net.ssl.SSLEngine engine = ServerTls.context(loaded, false).newEngine(io.netty.buffer.ByteBufAllocator.DEFAULT);
            // Netty's OpenSSL engine lists the pseudo-protocol SSLv2Hello (a hello format, which BoringSSL never accepts).
            assertThat(java.util.Arrays.stream(engine.getEnabledProtocols()).filter(p -> !p.equals("SSLv2Hello")))
                    .containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
            assertThat(engine.getEnabledCipherSuites()).isNotEmpty().allSatisfy(suite -> assertThat(suite)
                    .matches("TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256|ECDHE_(ECDSA|RSA)_WITH_.*(GCM|CHACHA20).*)"));
            io.netty.util.ReferenceCountUtil.release(engine);
        } finally {
            System.clearProperty("acrproxy.tls.provider");
        }
    }

    @Test
    void aClientCaFileGivesTheContextItsTrustedIssuers() throws Exception {
        TestPki.Issued issued = pki.server("with-ca", "proxy.test", KeyForm.EC_PKCS8, 2);
        ServerCertificate loaded = ServerCertificate.load(
                new TlsFiles(issued.certificate(), issued.key(), pki.caCertificate(), true), Instant.now());
        assertThat(loaded.clientCas()).hasSize(1);
    }
}
