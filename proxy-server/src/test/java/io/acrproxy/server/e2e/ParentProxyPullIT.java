package io.acrproxy.server.e2e;

import static io.acrproxy.server.e2e.AcrLookalike.LEGACY;
import static io.acrproxy.server.e2e.AcrLookalike.MYREG;
import static io.acrproxy.server.e2e.AcrLookalike.MYREG_DATA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.acrproxy.server.it.LoopbackDaemon;
import io.acrproxy.server.it.Squid;
import io.acrproxy.server.it.Tinyproxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image pulls from the ACR look-alike through the proxy chained to a corporate proxy (design §2.3), as a locked-down
 * network runs it: Docker and skopeo → acr-egress-proxy (the jar) → Squid (Basic auth, {@code http_access deny} for
 * one registry) → the registry endpoints. Squid resolves the registry names from its own hosts file; the proxy
 * never resolves a name that goes through the parent. Wrong parent credentials and the parent's refusal end in
 * Docker's output as readable errors naming the parent; a dead first parent is skipped for tinyproxy, the second.
 *
 * <pre>
 *   docker / skopeo ── proxy ── Squid 127.0.0.81 (user edge; denies legacyreg) ── look-alike 127.0.0.51-55:443
 *                         └─ failover: 127.0.0.83 (nothing listens), then tinyproxy 127.0.0.82 ── Squid 127.0.0.81
 * </pre>
 */
class ParentProxyPullIT {
    /** No characters that tinyproxy's {@code Upstream http user:pass@host:port} would need escaped. */
    private static final String PARENT_PASSWORD = "corp-proxy-secret-42";

    @TempDir
    static Path dir;

    private static AcrLookalike acr;
    private static Squid squid;
    private static Tinyproxy tinyproxy;
    private static E2eProxy chained;
    private static E2eProxy wrongCredentials;
    private static E2eProxy failover;
    private static DockerDaemon daemon;
    private static int deadPort;

    @BeforeAll
    static void start() throws Exception {
        E2eTools.binary("dockerd", "docker.io");
        acr = AcrLookalike.get();
        squid = Squid.start("127.0.0.81", Squid.Setup.open(acr.addresses).withUser("edge", PARENT_PASSWORD).denying(LEGACY));
        tinyproxy = Tinyproxy.start("127.0.0.82", "edge:" + PARENT_PASSWORD + "@" + squid.address() + ":" + squid.port());
        deadPort = LoopbackDaemon.freePort("127.0.0.83");
        // The password from the environment for one proxy and from a file for the other: both ways, in the real jar.
        chained = E2eProxy.start(acr, dir, "chained", """
                parents: [{name: corp, url: '%s', user: edge, passwordEnv: CORP_PROXY_PASSWORD}]
                """.formatted(squid.url()), Map.of("CORP_PROXY_PASSWORD", PARENT_PASSWORD));
        Path wrong = Files.writeString(dir.resolve("wrong-password"), "not-the-password\n");
        wrongCredentials = E2eProxy.start(acr, dir, "wrong-credentials", """
                parents: [{name: corp, url: '%s', user: edge, passwordFile: '%s'}]
                """.formatted(squid.url(), wrong), Map.of());
        failover = E2eProxy.start(acr, dir, "failover", """
                parents:
                  - {name: dead, url: 'http://127.0.0.83:%d'}
                  - {name: second, url: '%s'}
                """.formatted(deadPort, tinyproxy.url()), Map.of());
        daemon = DockerDaemon.start(acr.ca.caPem(), chained.url());
    }

    @AfterAll
    static void stop() {
        E2eTools.closeAll(daemon, chained, wrongCredentials, failover, tinyproxy, squid);
    }

    @Test
    void dockerPullsThroughTheParentWhichIsAskedForTheNamesWithTheConfiguredUser() throws Exception {
        E2eTools.Result pull = daemon.docker("pull", acr.image.reference(MYREG));

        assertThat(pull.exit()).as(pull.all()).isZero();
        assertThat(pull.out()).contains("Digest: " + acr.image.manifestDigest);
        assertThat(acr.requestsTo(MYREG_DATA)).contains("GET /v2/app/blobs/" + acr.image.layerDigest);
        // Squid writes a tunnel's line when the tunnel has ended, which may be just after the pull has returned.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(squid.accessLog())
                .anySatisfy(l -> assertThat(l).contains("TCP_TUNNEL/200", "CONNECT " + MYREG + ":443 edge"))
                .anySatisfy(l -> assertThat(l).contains("TCP_TUNNEL/200", "CONNECT " + MYREG_DATA + ":443 edge")));
        chained.process.awaitStdout("\"target\":\"" + MYREG_DATA + ":443\"", Duration.ofSeconds(10));
        assertThat(chained.accessLines("\"target\":\"" + MYREG_DATA + ":443\"")).allSatisfy(l -> assertThat(l)
                .contains("\"decision\":\"allow\"", "\"upstream\":\"corp (" + squid.address() + ":" + squid.port() + ")\""));
        assertThat(String.join("\n", chained.process.stdout) + String.join("\n", chained.process.stderr))
                .doesNotContain(PARENT_PASSWORD);
    }

    @Test
    void aRegistryTheParentDeniesFailsInDockerWithTheParentsAnswer() throws Exception {
        int seenBefore = acr.requestsTo(LEGACY).size(); // the look-alike is shared with the other end-to-end tests
        E2eTools.Result pull = daemon.docker("pull", acr.image.reference(LEGACY));

        assertThat(pull.exit()).isNotZero();
        assertThat(pull.err()).contains("Bad gateway: parent proxy corp (" + squid.address() + ":" + squid.port()
                + ") refused the tunnel to " + LEGACY + ":443 (403 Forbidden)");
        System.out.println("docker, parent denies the registry: " + pull.err());
        assertThat(acr.requestsTo(LEGACY)).hasSize(seenBefore);
        chained.process.awaitStdout("\"reason\":\"parent_refused\"", Duration.ofSeconds(10));
    }

    @Test
    void wrongParentCredentialsFailInDockerNamingTheParent() throws Exception {
        try (DockerDaemon wrong = DockerDaemon.start(acr.ca.caPem(), wrongCredentials.url())) {
            E2eTools.Result pull = wrong.docker("pull", acr.image.reference(MYREG));

            assertThat(pull.exit()).isNotZero();
            assertThat(pull.err()).contains("Bad gateway: parent proxy corp (" + squid.address() + ":" + squid.port()
                    + ") asks for credentials (407 Proxy Authentication Required): check the user and password "
                    + "configured for parent corp");
            System.out.println("docker, wrong parent credentials: " + pull.err());
        }
        wrongCredentials.process.awaitStdout("\"reason\":\"parent_auth_failed\"", Duration.ofSeconds(10));
        assertThat(wrongCredentials.metrics())
                .containsPattern("acrproxy_parent_failures_total\\{parent=\"corp\",reason=\"parent_auth_failed\"} [1-9]");
    }

    @Test
    void skopeoCopiesThroughTheParent() throws Exception {
        Path out = dir.resolve("chained-copy");
        E2eTools.Result r = new Skopeo(acr, dir).copy(chained.url(), MYREG, out);

        assertThat(r.exit()).as(r.all()).isZero();
        String layerHex = acr.image.layerDigest.substring("sha256:".length());
        assertThat(TestImage.sha256(Files.readAllBytes(out.resolve(layerHex)))).isEqualTo(acr.image.layerDigest);
    }

    @Test
    void withTheFirstParentDeadPullsGoThroughTheSecondAndTheFailoverIsCountedLoggedAndShown() throws Exception {
        E2eTools.Result r = new Skopeo(acr, dir).copy(failover.url(), MYREG, dir.resolve("failover-copy"));

        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(tinyproxy.log()).contains("CONNECT " + MYREG + ":443", "CONNECT " + MYREG_DATA + ":443");
        failover.process.awaitStderr("parent proxy dead (127.0.0.83:" + deadPort + ") refused the connection; it is "
                + "tried after the other parents", Duration.ofSeconds(10));
        // Tried once: every later tunnel of the pull went to the second parent first, for timeouts.parentRetry.
        assertThat(failover.metrics())
                .contains("acrproxy_parent_failures_total{parent=\"dead\",reason=\"parent_unreachable\"} 1.0")
                .contains("acrproxy_parent_up{parent=\"dead\"} 0.0")
                .contains("acrproxy_parent_up{parent=\"second\"} 1.0");
        String policy = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + failover.adminPort + "/policy")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(policy).containsPattern("\"name\"\\s*:\\s*\"dead\"[^}]*\"state\"\\s*:\\s*\"skipped\"");
    }
}
