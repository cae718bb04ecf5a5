package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.acrproxy.core.upstream.ParentHealth;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Tunnels through a corporate parent proxy (design §2.3), with the real programs: Debian's Squid, open and with
 * Basic auth checked by its {@code basic_ncsa_auth}, refusing one registry by {@code http_access deny}; tinyproxy as
 * the second parent behind a dead first one. curl is the client, and what it shows for each failure class is what
 * the README quotes. The proxy's own resolver fails every lookup: a target that goes through a parent is never
 * resolved by the proxy, only by the parent (from Squid's hosts file).
 *
 * <pre>
 *   curl ── proxy (in-process) ── Squid 127.0.0.71 (open; denies evilreg)  ──┐
 *                              ├─ Squid 127.0.0.72 (user edge)                  ├── TLS origin 127.0.0.70
 *                              ├─ tinyproxy 127.0.0.73 → Squid 127.0.0.71    ──┘
 *                              ├─ 127.0.0.74 nothing listens; 127.0.0.75 accepts and says nothing; 127.0.0.76 babbles
 *                              └─ direct (routes) for the data endpoint
 * </pre>
 */
class ParentProxyIT {
    private static final String ORIGIN_IP = "127.0.0.70";
    private static final String PARENT_PASSWORD = "corp proxy p@ss";

    @RegisterExtension
    static final TlsOriginExtension origin = TlsOriginExtension.on(ORIGIN_IP);

    @TempDir
    Path dir;

    private static Squid openSquid;
    private static Squid authSquid;
    private static Tinyproxy tinyproxy;

    @BeforeAll
    static void startParents() throws Exception {
        Map<String, String> hosts = Map.of("myregistry.azurecr.io", ORIGIN_IP, "evilreg.azurecr.io", ORIGIN_IP);
        openSquid = Squid.start("127.0.0.71", Squid.Setup.open(hosts).denying("evilreg.azurecr.io"));
        authSquid = Squid.start("127.0.0.72", Squid.Setup.open(hosts).withUser("edge", PARENT_PASSWORD));
        tinyproxy = Tinyproxy.start("127.0.0.73", openSquid.address() + ":" + openSquid.port());
    }

    @AfterAll
    static void stopParents() {
        for (AutoCloseable c : new AutoCloseable[] {tinyproxy, authSquid, openSquid}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the others still stop
            }
        }
    }

    /** A proxy whose config has {@code parentsYaml} (parents, routes...) after the usual policy. */
    private ProxyFixture proxy(String parentsYaml) throws Exception {
        return new ProxyFixture("""
                registries: [{name: myregistry, dataEndpointRegions: [eastus]}, {name: evilreg}]
                ports: [%d]
                destinations: {denyRanges: ['169.254.0.0/16']}
                resolver: {hosts: {myregistry.eastus.data.azurecr.io: %s}}
                timeouts: {upstreamConnect: 2s, parentRetry: 5m}
                """.formatted(origin.port(), ORIGIN_IP) + parentsYaml, dir, new ProxyServerIT.FailingResolver());
    }

    private static Curl.Result curl(ProxyFixture proxy, String host, String path, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--verbose", "--cacert", TestTls.get().caPem().toString(),
                "--proxy", "http://127.0.0.1:" + proxy.address().getPort()));
        args.addAll(List.of(extra));
        args.add("https://" + host + ":" + origin.port() + path);
        return Curl.run(args.toArray(String[]::new));
    }

    private Path passwordFile(String password) throws IOException {
        return Files.writeString(dir.resolve("corp-proxy-password"), password + "\n"); // as a mounted secret often is
    }

    private static double counter(ProxyFixture proxy, String name, String... tags) {
        var c = proxy.registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private static String accessLine(ProxyFixture proxy, String target) {
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.accessLines().stream().anyMatch(l -> l.contains(target)));
        return proxy.accessLines().stream().filter(l -> l.contains(target)).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void aTunnelGoesThroughTheParentByNameAndCarriesLayersBothWays() throws Exception {
        String relay = io.acrproxy.core.transport.Transport.EPOLL.isAvailable() ? "relay: {spliceAfterBytes: 1}\n" : "";
        try (ProxyFixture proxy = proxy("parents: [{name: corp, url: '" + openSquid.url() + "'}]\n" + relay)) {
            int size = 8 << 20;
            Path down = dir.resolve("down");
            Curl.Result get = curl(proxy, "myregistry.azurecr.io", "/blobs/" + size, "--output", down.toString());
            assertThat(get.exit()).as(get.err()).isZero();
            assertThat(Files.readAllBytes(down)).isEqualTo(TlsOrigin.blob(size));

            Path upload = Files.write(dir.resolve("up"), TlsOrigin.blob(3 << 20));
            Curl.Result post = curl(proxy, "myregistry.azurecr.io", "/uploads", "--data-binary", "@" + upload);
            assertThat(post.exit()).as(post.err()).isZero();
            assertThat(post.out()).isEqualTo(HexFormat.of().formatHex(TlsOrigin.sha256(Files.readAllBytes(upload))));

            // Squid was asked for the name, and resolved it itself; the proxy never resolved it (its DNS fails). Squid
            // writes a tunnel's line when the tunnel has ended, which may be just after curl has returned.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(openSquid.accessLog()).anySatisfy(l -> assertThat(l)
                    .contains("TCP_TUNNEL/200", "CONNECT myregistry.azurecr.io:" + origin.port(), "HIER_DIRECT/" + ORIGIN_IP)));
            String line = accessLine(proxy, "\"target\":\"myregistry.azurecr.io:" + origin.port() + "\"");
            assertThat(line).contains("\"decision\":\"allow\"", "\"upstream\":\"corp (" + openSquid.address() + ":"
                    + openSquid.port() + ")\"", "\"sni\":\"myregistry.azurecr.io\"");
            assertThat(proxy.registry.get("acrproxy.parent.connect").tag("parent", "corp").timer().count()).isEqualTo(2);
        }
    }

    @Test
    void aDirectRouteSkipsTheParentAndEverythingElseStillTakesIt() throws Exception {
        try (ProxyFixture proxy = proxy("""
                parents: [{name: corp, url: '%s'}]
                routes:
                  - {hosts: [myregistry.eastus.data.azurecr.io], via: direct}
                """.formatted(openSquid.url()))) {
            Curl.Result direct = curl(proxy, "myregistry.eastus.data.azurecr.io", "/v2/");
            Curl.Result parent = curl(proxy, "myregistry.azurecr.io", "/v2/");

            assertThat(direct.exit()).as(direct.err()).isZero();
            assertThat(parent.exit()).as(parent.err()).isZero();
            assertThat(accessLine(proxy, "myregistry.eastus.data.azurecr.io")).contains("\"upstream\":\"" + ORIGIN_IP + ":" + origin.port() + "\"");
            assertThat(openSquid.accessLog()).noneMatch(l -> l.contains("eastus.data"));
        }
    }

    @Test
    void basicCredentialsFromAFileOpenTheAuthenticatingParent() throws Exception {
        try (ProxyFixture proxy = proxy("parents: [{name: corp, url: '%s', user: edge, passwordFile: '%s'}]\n"
                .formatted(authSquid.url(), passwordFile(PARENT_PASSWORD)))) {
            Curl.Result ok = curl(proxy, "myregistry.azurecr.io", "/v2/");

            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("\"path\":\"/v2/\"");
            // Squid writes a tunnel's line when the tunnel has ended, which may be just after curl has returned.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(authSquid.accessLog()).anySatisfy(l -> assertThat(l)
                    .contains("TCP_TUNNEL/200", "CONNECT myregistry.azurecr.io:" + origin.port() + " edge ")));
            assertThat(String.join("\n", proxy.accessLines())).doesNotContain(PARENT_PASSWORD);
        }
    }

    @Test
    void wrongParentCredentialsAreA502ThatNamesTheParentAndIts407() throws Exception {
        try (ProxyFixture proxy = proxy("parents: [{name: corp, url: '%s', user: edge, passwordFile: '%s'}]\n"
                .formatted(authSquid.url(), passwordFile("not the password")))) {
            Curl.Result r = curl(proxy, "myregistry.azurecr.io", "/v2/");

            assertThat(r.exit()).isEqualTo(56);
            assertThat(r.err()).contains("CONNECT tunnel failed, response 502");
            assertThat(r.received()).contains("HTTP/1.1 502 Bad gateway: parent proxy corp (" + authSquid.address() + ":"
                    + authSquid.port() + ") asks for credentials (407 Proxy Authentication Required): check the user "
                    + "and password configured for parent corp");
            assertThat(r.received()).anySatisfy(l -> assertThat(l).startsWith("Proxy-Status: acr-egress-proxy; ")
                    .contains("next-hop=\"corp\"", "received-status=407"));
            System.out.println("curl, wrong parent credentials:\n" + String.join("\n", r.received()) + "\n" + r.err().lines()
                    .filter(l -> l.startsWith("curl:")).findFirst().orElse(""));
            assertThat(accessLine(proxy, "myregistry")).contains("\"decision\":\"error\"", "\"reason\":\"parent_auth_failed\"");
            assertThat(counter(proxy, "acrproxy.parent.failures", "parent", "corp", "reason", "parent_auth_failed")).isEqualTo(1);
        }
    }

    @Test
    void aParentThatDeniesTheTargetIsReportedWithItsStatus() throws Exception {
        try (ProxyFixture proxy = proxy("parents: [{name: corp, url: '%s'}]\n".formatted(openSquid.url()))) {
            Curl.Result r = curl(proxy, "evilreg.azurecr.io", "/v2/");

            assertThat(r.exit()).isEqualTo(56);
            assertThat(r.received()).contains("HTTP/1.1 502 Bad gateway: parent proxy corp (" + openSquid.address() + ":"
                    + openSquid.port() + ") refused the tunnel to evilreg.azurecr.io:" + origin.port() + " (403 Forbidden)");
            assertThat(r.received()).anySatisfy(l -> assertThat(l).contains("next-hop=\"corp\"", "received-status=403"));
            System.out.println("curl, parent denies the target:\n" + String.join("\n", r.received()));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(openSquid.accessLog())
                    .anySatisfy(l -> assertThat(l).contains("TCP_DENIED/403", "CONNECT evilreg.azurecr.io")));
            assertThat(accessLine(proxy, "evilreg")).contains("\"reason\":\"parent_refused\"");
            assertThat(counter(proxy, "acrproxy.upstream.failures", "reason", "parent_refused")).isEqualTo(1);
        }
    }

    @Test
    void aDeadFirstParentIsSkippedForParentRetryAndTheSecondCarriesTheTunnels() throws Exception {
        int deadPort = LoopbackDaemon.freePort("127.0.0.74");
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(ParentHealth.class);
        log.start();
        logger.addAppender(log);
        try (ProxyFixture proxy = proxy("""
                parents:
                  - {name: dead, url: 'http://127.0.0.74:%d'}
                  - {name: second, url: '%s'}
                """.formatted(deadPort, tinyproxy.url()))) {
            Curl.Result first = curl(proxy, "myregistry.azurecr.io", "/v2/");
            Curl.Result second = curl(proxy, "myregistry.azurecr.io", "/v2/");

            assertThat(first.exit()).as(first.err()).isZero();
            assertThat(second.exit()).as(second.err()).isZero();
            // tried once, then skipped: the second tunnel went straight to the second parent
            assertThat(counter(proxy, "acrproxy.parent.failures", "parent", "dead", "reason", "parent_unreachable")).isEqualTo(1);
            assertThat(proxy.registry.get("acrproxy.parent.up").tag("parent", "dead").gauge().value()).isZero();
            assertThat(proxy.registry.get("acrproxy.parent.up").tag("parent", "second").gauge().value()).isEqualTo(1);
            assertThat(proxy.server.parentStatuses()).anySatisfy(s -> {
                assertThat(s.parent().name()).isEqualTo("dead");
                assertThat(s.skipped()).isTrue();
                assertThat(s.lastFailure()).contains("refused the connection");
            });
            assertThat(log.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
                    .contains("parent proxy dead (127.0.0.74:" + deadPort + ") refused the connection")
                    .contains("timeouts.parentRetry"));
            assertThat(accessLine(proxy, "myregistry")).contains("\"upstream\":\"second (127.0.0.73:");
            assertThat(tinyproxy.log()).contains("CONNECT myregistry.azurecr.io:" + origin.port());
        } finally {
            logger.detachAppender(log);
        }
    }

    @Test
    void eachFailureClassIsAClearAnswerNamingTheHop() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.75"));
             ServerSocket babbler = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.76"))) {
            daemon(() -> accept(silent, null));
            daemon(() -> accept(babbler, "SSH-2.0-OpenSSH_9.2\r\n\r\n"));
            int deadPort = LoopbackDaemon.freePort("127.0.0.74");
            try (ProxyFixture proxy = proxy("""
                    parents:
                      - {name: dead, url: 'http://127.0.0.74:%d'}
                      - {name: silent, url: 'http://127.0.0.75:%d'}
                      - {name: babbler, url: 'http://127.0.0.76:%d'}
                    routes:
                      - {hosts: [myregistry.eastus.data.azurecr.io], via: [dead]}
                      - {hosts: [evilreg.azurecr.io], via: [silent]}
                      - {hosts: ['*'], via: [babbler]}
                    """.formatted(deadPort, silent.getLocalPort(), babbler.getLocalPort()))) {
                Curl.Result unreachable = curl(proxy, "myregistry.eastus.data.azurecr.io", "/v2/");
                Curl.Result timeout = curl(proxy, "evilreg.azurecr.io", "/v2/");
                Curl.Result garbage = curl(proxy, "myregistry.azurecr.io", "/v2/");

                assertThat(unreachable.received()).first().asString().startsWith("HTTP/1.1 502 Bad gateway: parent proxy dead "
                        + "(127.0.0.74:" + deadPort + ") refused the connection");
                assertThat(timeout.received()).first().asString().startsWith("HTTP/1.1 504 Gateway timeout: parent proxy silent "
                        + "(127.0.0.75:" + silent.getLocalPort() + ") did not answer the CONNECT within 2s");
                assertThat(garbage.received()).first().asString().startsWith("HTTP/1.1 502 Bad gateway: parent proxy babbler "
                        + "(127.0.0.76:" + babbler.getLocalPort() + ") answered the CONNECT with something that is not a valid response");
                for (Curl.Result r : List.of(unreachable, timeout, garbage)) {
                    assertThat(r.exit()).isEqualTo(56);
                    System.out.println("curl: " + r.received().get(0) + "\n  " + r.received().stream()
                            .filter(l -> l.startsWith("Proxy-Status")).findFirst().orElse("(no Proxy-Status)"));
                }
                assertThat(accessLine(proxy, "eastus.data")).contains("\"reason\":\"parent_unreachable\"");
                assertThat(accessLine(proxy, "evilreg")).contains("\"reason\":\"parent_timeout\"");
                assertThat(accessLine(proxy, "myregistry")).contains("\"reason\":\"parent_bad_response\"");
            }
        }
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "fake-parent");
        t.setDaemon(true);
        t.start();
    }

    /** Accepts connections and, unless {@code answer} is null, answers each with it; keeps them open. */
    private static void accept(ServerSocket server, String answer) {
        List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            while (!server.isClosed()) {
                Socket s = server.accept();
                open.add(s);
                if (answer != null) {
                    InputStream in = s.getInputStream();
                    in.read(new byte[4096]);
                    OutputStream out = s.getOutputStream();
                    out.write(answer.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
        } catch (IOException closed) {
            for (Socket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }
}
