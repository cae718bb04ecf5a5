package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.acrproxy.core.observe.AccessLog;
import io.acrproxy.server.tls.TestPki;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The TLS port (design §2.4) with real clients: curl with an {@code https://} proxy URL, with and without a client
 * certificate; the JDK's TLS for a tunnel that outlives a certificate rotation. Certificates are made by openssl.
 */
class TlsPortIT {
    @RegisterExtension
    static final TlsOriginExtension origin = TlsOriginExtension.on("127.0.0.110");

    @TempDir
    Path dir;

    private TestPki pki;
    private int tlsPort;
    private final ListAppender<ILoggingEvent> accessLog = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER_NAME);

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(TestPki.available(), "openssl is not installed");
        pki = new TestPki(Files.createDirectories(dir.resolve("pki")));
        TestPki.Issued proxy = pki.server("proxy", "proxy.test", TestPki.KeyForm.EC_SEC1, 2);
        Files.copy(proxy.certificate(), dir.resolve("proxy.crt"));
        Files.copy(proxy.key(), dir.resolve("proxy.key"));
        tlsPort = JarProcess.freePort();
        accessLog.start();
        logger.addAppender(accessLog);
    }

    @AfterEach
    void tearDown() {
        logger.detachAppender(accessLog);
    }

    private AppFixture app(String tlsExtra) throws Exception {
        return app(tlsExtra, "");
    }

    private AppFixture app(String tlsExtra, String moreYaml) throws Exception {
        return new AppFixture("""
                registries: [{name: myregistry}]
                ports: [%d]
                destinations: {denyRanges: ['169.254.0.0/16']}
                resolver: {hosts: {myregistry.azurecr.io: 127.0.0.110, evilreg.azurecr.io: 127.0.0.110}}
                listenTls: {address: 127.0.0.1, port: %d, certFile: proxy.crt, keyFile: proxy.key%s}
                """.formatted(origin.port(), tlsPort, tlsExtra) + moreYaml, dir, new ProxyServerIT.FailingResolver());
    }

    private List<String> accessLines() {
        return accessLog.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private String proxyUrl() {
        return "https://127.0.0.1:" + tlsPort;
    }

    private String registryUrl(String host) {
        return "https://" + host + ":" + origin.port() + "/v2/";
    }

    @Test
    void curlWithAnHttpsProxyUrlIsServedAndToldWhyARegistryIsRefused() throws Exception {
        try (AppFixture app = app("")) {
            String ca = TestTls.get().caPem().toString();
            Curl.Result ok = Curl.run("--proxy", proxyUrl(), "--proxy-cacert", pki.caCertificate().toString(),
                    "--cacert", ca, "--write-out", "\\n%{http_code}", registryUrl("myregistry.azurecr.io"));
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("\"path\":\"/v2/\"").endsWith("\n200");

            Curl.Result denied = Curl.run("--verbose", "--proxy", proxyUrl(), "--proxy-cacert", pki.caCertificate().toString(),
                    "--cacert", ca, registryUrl("evilreg.azurecr.io"));
            assertThat(denied.exit()).isEqualTo(56);
            assertThat(denied.err()).contains("< HTTP/1.1 403 Forbidden by egress policy: evilreg.azurecr.io is not an "
                    + "allowed registry endpoint");

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(accessLines())
                    .anySatisfy(line -> assertThat(line).contains("\"target\":\"myregistry.azurecr.io:" + origin.port() + "\"")
                            .contains("\"decision\":\"allow\"").contains("\"client_cert\":null")
                            .contains("\"end\":\"completed\"")));
            String metrics = app.admin("GET", "/metrics").body();
            assertThat(metrics).containsPattern("(?m)^acrproxy_tls_certificate_expiry_seconds [0-9.E]+$");
        }
    }

    /** The reason for the port: proxy credentials cross the network inside TLS, and work as on the plain port. */
    @Test
    void proxyCredentialsTravelInsideTheTls() throws Exception {
        String hash = new io.acrproxy.core.auth.PasswordHash().hash("s3cret:pw".toCharArray());
        try (AppFixture app = app("", "auth: {users: [{name: edge, passwordHash: '" + hash + "'}]}\n")) {
            Curl.Result ok = Curl.run("--proxy", proxyUrl(), "--proxy-cacert", pki.caCertificate().toString(),
                    "--proxy-user", "edge:s3cret:pw", "--cacert", TestTls.get().caPem().toString(),
                    registryUrl("myregistry.azurecr.io"));
            assertThat(ok.exit()).as(ok.err()).isZero();
            Curl.Result wrong = Curl.run("--verbose", "--proxy", proxyUrl(), "--proxy-cacert", pki.caCertificate().toString(),
                    "--proxy-user", "edge:nope", "--cacert", TestTls.get().caPem().toString(),
                    registryUrl("myregistry.azurecr.io"));
            assertThat(wrong.err()).contains("< HTTP/1.1 407 Proxy authentication required: credentials rejected");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(accessLines())
                    .anySatisfy(line -> assertThat(line).contains("\"user\":\"edge\"").contains("\"decision\":\"allow\"")));
        }
    }

    /** The opposite of the plain port's common mistake: an http:// proxy URL for the TLS port gets its 400 at once. */
    @Test
    void plainHttpOnTheTlsPortIsToldToUseAnHttpsProxyUrl() throws Exception {
        try (AppFixture app = app("")) {
            Curl.Result r = Curl.run("--verbose", "--proxy", "http://127.0.0.1:" + tlsPort, "--cacert",
                    TestTls.get().caPem().toString(), registryUrl("myregistry.azurecr.io"));
            assertThat(r.exit()).as(r.err()).isEqualTo(56);
            assertThat(r.err()).contains("< HTTP/1.1 400 Bad Request: this port speaks TLS, but this is plain HTTP: use an "
                    + "https:// proxy URL (HTTPS_PROXY=https://HOST:PORT), not http://");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(accessLines())
                    .anySatisfy(line -> assertThat(line).contains("\"reason\":\"malformed_request\"")
                            .contains("\"rule\":\"listenTls\"")));
        }
    }

    /** With BoringSSL (netty-tcnative, the default here) and with the JDK's TLS, which words differ in. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"default", "jdk"})
    void aRequiredClientCertificateIsCheckedAndItsIdentityLogged(String provider) throws Exception {
        if (provider.equals("jdk")) {
            System.setProperty("acrproxy.tls.provider", "jdk");
        }
        try {
            requiredClientCertificate();
        } finally {
            System.clearProperty("acrproxy.tls.provider");
        }
    }

    private void requiredClientCertificate() throws Exception {
        TestPki.Issued device = pki.client("device1", "device1.plant-a.devices.test", true);
        TestPki.Issued cnOnly = pki.client("device2", "device2.plant-a.devices.test", false);
        try (AppFixture app = app(", clientCaFile: pki/ca.crt, requireClientCert: true")) {
            String ca = TestTls.get().caPem().toString();
            Curl.Result without = Curl.run("--proxy", proxyUrl(), "--proxy-cacert", pki.caCertificate().toString(),
                    "--cacert", ca, registryUrl("myregistry.azurecr.io"));
            assertThat(without.exit()).as(without.err()).isNotZero();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(accessLines())
                    .anySatisfy(line -> assertThat(line).contains("\"reason\":\"client_cert_rejected\"")
                            .contains("the client presented no certificate, and listenTls.requireClientCert is true")));

            for (TestPki.Issued cert : List.of(device, cnOnly)) {
                Curl.Result with = Curl.run("--proxy", proxyUrl(), "--proxy-cacert", pki.caCertificate().toString(),
                        "--proxy-cert", cert.certificate().toString(), "--proxy-key", cert.key().toString(),
                        "--cacert", ca, registryUrl("myregistry.azurecr.io"));
                assertThat(with.exit()).as(with.err()).isZero();
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(accessLines())
                    .anySatisfy(line -> assertThat(line).contains("\"client_cert\":\"device1.plant-a.devices.test\"")
                            .contains("\"decision\":\"allow\""))
                    .anySatisfy(line -> assertThat(line).as("the CN, without a DNS name")
                            .contains("\"client_cert\":\"device2.plant-a.devices.test\"")));
        }
    }

    /**
     * A client that starts a handshake and never finishes it is closed within timeouts.requestHeader, which bounds the
     * handshake and the request head together, and the log says why; one that sends nothing at all gets the plain 408.
     */
    @Test
    void aHandshakeThatNeverFinishesIsClosedWithinTheHeaderTimeout() throws Exception {
        try (AppFixture app = app("", "timeouts: {requestHeader: 1s}\n");
             java.net.Socket stalled = new java.net.Socket("127.0.0.1", tlsPort);
             java.net.Socket silent = new java.net.Socket("127.0.0.1", tlsPort)) {
            byte[] hello = TestTls.clientHello("proxy.test", tlsPort);
            stalled.getOutputStream().write(java.util.Arrays.copyOf(hello, 40)); // a third of a ClientHello
            stalled.setSoTimeout(10_000);
            silent.setSoTimeout(10_000);
            long start = System.nanoTime();
            stalled.getInputStream().readAllBytes(); // until the proxy closes
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(new String(silent.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .startsWith("HTTP/1.1 408 ");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(accessLines())
                    .anySatisfy(line -> assertThat(line).containsPattern(
                            "\"reason\":\"(client_tls_failed|header_timeout)\"").contains("\"method\":null")));
        }
    }

    /** A certificate from a CA that clientCaFile does not hold is refused, even where a certificate is optional. */
    @Test
    void aClientCertificateOfAnotherCaIsRejected() throws Exception {
        TestPki stranger = new TestPki(Files.createDirectories(dir.resolve("stranger-pki")));
        TestPki.Issued foreign = stranger.client("intruder", "intruder.plant-a.devices.test", true);
        try (AppFixture app = app(", clientCaFile: pki/ca.crt")) {
            Curl.Result r = Curl.run("--proxy", proxyUrl(), "--proxy-cacert", pki.caCertificate().toString(),
                    "--proxy-cert", foreign.certificate().toString(), "--proxy-key", foreign.key().toString(),
                    "--cacert", TestTls.get().caPem().toString(), registryUrl("myregistry.azurecr.io"));
            assertThat(r.exit()).as(r.err()).isNotZero();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(accessLines())
                    .anySatisfy(line -> assertThat(line).contains("\"reason\":\"client_cert_rejected\"")
                            .contains("the client certificate was not accepted (listenTls.clientCaFile)")));
        }
    }

    /**
     * A device certificate selects its plant's group (design §6.7): the same curl is allowed the plant's registry and
     * refused the top-level one, and without a certificate it is the other way round; /blocked names the certificate.
     */
    @Test
    void aDeviceCertificateSelectsItsClientGroup() throws Exception {
        TestPki.Issued device = pki.client("device7", "device7.plant-a.devices.test", true);
        try (AppFixture app = app(", clientCaFile: pki/ca.crt", """
                clientGroups:
                  - {name: plant-a, certificates: ['*.plant-a.devices.test'], allowlist: replace, registries: [{name: evilreg}],
                     ports: [%d]}
                """.formatted(origin.port()))) {
            String ca = TestTls.get().caPem().toString();
            List<String> asDevice = List.of("--proxy", proxyUrl(), "--proxy-cacert", pki.caCertificate().toString(),
                    "--proxy-cert", device.certificate().toString(), "--proxy-key", device.key().toString(), "--cacert", ca);
            List<String> anonymous = List.of("--proxy", proxyUrl(), "--proxy-cacert", pki.caCertificate().toString(),
                    "--cacert", ca);

            Curl.Result allowed = curl(asDevice, registryUrl("evilreg.azurecr.io"));
            assertThat(allowed.exit()).as(allowed.err()).isZero();
            Curl.Result refused = curl(asDevice, registryUrl("myregistry.azurecr.io"));
            assertThat(refused.exit()).isEqualTo(56);
            assertThat(refused.err()).contains("myregistry.azurecr.io is not an allowed registry endpoint");
            assertThat(curl(anonymous, registryUrl("myregistry.azurecr.io")).exit()).isZero();
            assertThat(curl(anonymous, registryUrl("evilreg.azurecr.io")).exit()).isEqualTo(56);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(accessLines())
                    .anySatisfy(line -> assertThat(line).contains("\"client_cert\":\"device7.plant-a.devices.test\"")
                            .contains("\"group\":\"plant-a\"").contains("\"target\":\"evilreg.azurecr.io:")
                            .contains("\"decision\":\"allow\""))
                    .anySatisfy(line -> assertThat(line).contains("\"client_cert\":null").contains("\"group\":\"default\"")
                            .contains("\"target\":\"myregistry.azurecr.io:").contains("\"decision\":\"allow\"")));
            assertThat(app.admin("GET", "/explain?host=evilreg.azurecr.io&port=" + origin.port()
                    + "&certificate=device7.plant-a.devices.test").body()).contains("\"group\" : \"plant-a\"");
            assertThat(app.admin("GET", "/blocked").body()).containsPattern(
                    "\"myregistry.azurecr.io\"[^}]*\"group\" : \"plant-a\"[^}]*\"lastClientCert\" : \"device7.plant-a.devices.test\"");
        }
    }

    private static Curl.Result curl(List<String> options, String url) throws Exception {
        List<String> args = new java.util.ArrayList<>(options);
        args.add("--verbose");
        args.add(url);
        return Curl.run(args.toArray(new String[0]));
    }

    /**
     * cert-manager rotates the files in place: new handshakes present the new certificate, a tunnel opened before goes
     * on, and files that do not load (a key of another certificate) leave the one in force.
     */
    @Test
    void aRotatedCertificateIsUsedForNewHandshakesAndOpenTunnelsGoOn() throws Exception {
        try (AppFixture app = app("")) {
            SSLSocket outer = tlsToProxy();
            assertThat(subject(outer)).isEqualTo("CN=proxy.test");
            outer.getOutputStream().write(("CONNECT myregistry.azurecr.io:" + origin.port() + " HTTP/1.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(RawProxyClient.readResponse(outer.getInputStream()).status()).isEqualTo(200);

            TestPki.Issued next = pki.server("proxy-next", "proxy-next.test", TestPki.KeyForm.RSA_PKCS1, 2);
            replace(next.key(), dir.resolve("proxy.key"));
            replace(next.certificate(), dir.resolve("proxy.crt"));
            await().atMost(Duration.ofSeconds(10)).until(() -> peerName(tlsToProxy()).equals("CN=proxy-next.test"));

            // The tunnel opened before the rotation: a TLS session with the registry through it, and a request.
            SSLSocket inner = (SSLSocket) TestTls.get().clientContext().getSocketFactory()
                    .createSocket(outer, "myregistry.azurecr.io", origin.port(), true);
            javax.net.ssl.SSLParameters params = inner.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            inner.setSSLParameters(params);
            assertThat(TlsTunnels.get(inner, "myregistry.azurecr.io").status()).isEqualTo(200);
            inner.close();

            TestPki.Issued stranger = pki.server("stranger", "stranger.test", TestPki.KeyForm.EC_PKCS8, 2);
            replace(stranger.key(), dir.resolve("proxy.key"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(app.admin("GET", "/metrics").body())
                    .containsPattern("(?m)^acrproxy_tls_reloads_total\\{result=\"failure\"} 1\\.0$"));
            assertThat(peerName(tlsToProxy())).as("the certificate in force stays").isEqualTo("CN=proxy-next.test");
        }
    }

    /**
     * The end of the upstream's stream reaches a client of the TLS port as close_notify and then the FIN (design
     * §2.4, RFC 8446 §6.1), after every byte: a client that checks sees a complete stream, not a truncation. A Netty
     * client records what came: every byte, then the close_notify, then the end of its input.
     */
    @Test
    void theUpstreamsEndReachesTheClientAsCloseNotifyAfterEveryByte() throws Exception {
        byte[] stream = "0123456789".repeat(20_000).getBytes(StandardCharsets.US_ASCII);
        try (java.net.ServerSocket upstream = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.111"))) {
            Thread origin = new Thread(() -> {
                try (java.net.Socket s = upstream.accept()) {
                    s.getInputStream().read(new byte[16 * 1024]); // the ClientHello
                    s.getOutputStream().write(stream);
                    s.shutdownOutput(); // FIN after the stream
                    s.getInputStream().readAllBytes(); // until the client's end comes through
                } catch (java.io.IOException e) {
                    // the test reports what the client saw
                }
            }, "stream-origin");
            origin.setDaemon(true);
            origin.start();
            try (AppFixture app = streamApp(upstream.getLocalPort())) {
                NettyTlsClient.Outcome outcome = NettyTlsClient.connectAndRead(pki.caCertificate(), tlsPort,
                        ("CONNECT stream.example.org:" + upstream.getLocalPort() + " HTTP/1.1\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII),
                        TestTls.clientHello("stream.example.org", upstream.getLocalPort()));
                String text = new String(outcome.bytes(), StandardCharsets.US_ASCII);
                assertThat(text).startsWith("HTTP/1.1 200 Connection established\r\n");
                assertThat(text.substring(text.indexOf("\r\n\r\n") + 4)).isEqualTo(new String(stream, StandardCharsets.US_ASCII));
                assertThat(outcome.events()).as("what ended the client's input").containsSubsequence("close_notify", "input end");
            }
        }
    }

    /**
     * A client that ends with close_notify and closes at once, without waiting for the upstream's answer, as Go's
     * clients (dockerd, skopeo) do: with bytes it has not read waiting, its kernel sends a reset right behind the
     * close_notify. The close_notify reaches the upstream as a FIN after every byte, and the tunnel completed (design
     * §2.4), on either engine; the reset that follows is no abrupt end to pass on.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"default", "jdk"})
    void aClientThatEndsWithCloseNotifyAndGoesCompletesItsTunnel(String provider) throws Exception {
        if (provider.equals("jdk")) {
            System.setProperty("acrproxy.tls.provider", "jdk");
        }
        byte[] hello = TestTls.clientHello("stream.example.org", 443);
        try (java.net.ServerSocket upstream = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.111"))) {
            java.util.concurrent.CompletableFuture<byte[]> upstreamRead = new java.util.concurrent.CompletableFuture<>();
            Thread origin = new Thread(() -> {
                try (java.net.Socket s = upstream.accept()) {
                    upstreamRead.complete(s.getInputStream().readAllBytes()); // to the FIN: a reset would throw
                    s.getOutputStream().write(new byte[256 * 1024]); // the answer nobody waits for
                    s.shutdownOutput();
                } catch (java.io.IOException e) {
                    upstreamRead.completeExceptionally(e);
                }
            }, "answering-origin");
            origin.setDaemon(true);
            origin.start();
            try (AppFixture app = streamApp(upstream.getLocalPort())) {
                try (SSLSocket client = tlsToProxy()) {
                    client.getOutputStream().write(("CONNECT stream.example.org:" + upstream.getLocalPort()
                            + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    String head = readHead(client.getInputStream());
                    assertThat(head).startsWith("HTTP/1.1 200 Connection established");
                    client.getOutputStream().write(hello);
                    // What a Go client's close does when bytes it has not read are waiting: the kernel resets.
                    client.setSoLinger(true, 0);
                } // close(): close_notify, then the reset
                assertThat(upstreamRead.get(10, java.util.concurrent.TimeUnit.SECONDS)).as("every byte, then a FIN")
                        .isEqualTo(hello);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(accessLines())
                        .anySatisfy(line -> assertThat(line).contains("\"target\":\"stream.example.org:")
                                .contains("\"end\":\"completed\"")));
            }
        } finally {
            System.clearProperty("acrproxy.tls.provider");
        }
    }

    /** The TLS port, allowing stream.example.org (at 127.0.0.111) on {@code port}. */
    private AppFixture streamApp(int port) throws Exception {
        return new AppFixture("""
                extraHosts: [stream.example.org]
                ports: [%d]
                destinations: {denyRanges: ['169.254.0.0/16']}
                resolver: {hosts: {stream.example.org: 127.0.0.111}}
                listenTls: {address: 127.0.0.1, port: %d, certFile: proxy.crt, keyFile: proxy.key}
                """.formatted(port, tlsPort), dir, new ProxyServerIT.FailingResolver());
    }

    private static String readHead(InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** Written beside the target and moved over it, as cert-manager's and kubelet's writers do. */
    private static void replace(Path from, Path to) throws Exception {
        Path staged = to.resolveSibling(to.getFileName() + ".new");
        Files.copy(from, staged, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A handshaken TLS connection to the TLS port, trusting the test PKI's CA. */
    private SSLSocket tlsToProxy() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pki.caCertificate())) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", tlsPort);
        socket.startHandshake();
        return socket;
    }

    /** The subject of the certificate a new handshake with the TLS port presents. */
    private static String peerName(SSLSocket socket) throws Exception {
        try (socket) {
            return subject(socket);
        }
    }

    private static String subject(SSLSocket socket) throws Exception {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }
}
