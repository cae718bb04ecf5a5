package io.acrproxy.server.e2e;

import static io.acrproxy.server.e2e.AcrLookalike.LEGACY;
import static io.acrproxy.server.e2e.AcrLookalike.MYREG;
import static io.acrproxy.server.e2e.AcrLookalike.MYREG_DATA;
import static io.acrproxy.server.e2e.AcrLookalike.OTHER;
import static io.acrproxy.server.e2e.AcrLookalike.STORAGE;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo (Debian's, a Go client built on containers/image, like Podman and CRI-O) pulls through the proxy with
 * {@code HTTPS_PROXY}: the allowed registry's image with every blob fetched from its data endpoint after ACR's
 * 307, digests verified by skopeo; another tenant's registry and a storage account refused, with the proxy's
 * reason in skopeo's error.
 */
class SkopeoPullIT {
    @TempDir
    static Path dir;

    private static AcrLookalike acr;
    private static E2eProxy proxy;
    private static E2eProxy authProxy;
    private static Skopeo skopeo;

    @BeforeAll
    static void start() throws Exception {
        acr = AcrLookalike.get();
        skopeo = new Skopeo(acr, dir);
        proxy = E2eProxy.start(acr, dir, false);
        authProxy = E2eProxy.start(acr, dir, true);
    }

    @AfterAll
    static void stop() {
        E2eTools.closeAll(proxy, authProxy);
    }

    private static E2eTools.Result skopeo(String proxyUrl, String... args) throws Exception {
        return skopeo.run(proxyUrl, args);
    }

    static E2eTools.Result copy(String proxyUrl, String host, Path to) throws Exception {
        return skopeo.copy(proxyUrl, host, to);
    }

    @Test
    void copiesTheAllowedImageWithBlobsFromTheDataEndpoint() throws Exception {
        Path out = dir.resolve("myreg-copy");
        E2eTools.Result r = copy(proxy.url(), MYREG, out);

        assertThat(r.exit()).as(r.all()).isZero();
        String layerHex = acr.image.layerDigest.substring("sha256:".length());
        assertThat(TestImage.sha256(Files.readAllBytes(out.resolve(layerHex)))).isEqualTo(acr.image.layerDigest);
        assertThat(acr.requestsTo(MYREG)).contains("GET /v2/app/blobs/" + acr.image.layerDigest);
        assertThat(acr.requestsTo(MYREG_DATA)).contains("GET /v2/app/blobs/" + acr.image.layerDigest);
        proxy.process.awaitStdout("\"target\":\"" + MYREG_DATA + ":443\"", Duration.ofSeconds(10));
        assertThat(proxy.accessLines("\"target\":\"" + MYREG_DATA + ":443\""))
                .allSatisfy(l -> assertThat(l).contains("\"decision\":\"allow\"", "\"sni\":\"" + MYREG_DATA + "\""));
    }

    @Test
    void inspectShowsTheManifestDigest() throws Exception {
        E2eTools.Result r = skopeo(proxy.url(), "inspect", "--cert-dir", acr.ca.certDir().toString(),
                "docker://" + acr.image.reference(MYREG));

        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("\"Digest\": \"" + acr.image.manifestDigest + "\"");
    }

    @Test
    void anotherTenantsRegistryIsRefusedWithTheProxysReason() throws Exception {
        E2eTools.Result r = copy(proxy.url(), OTHER, dir.resolve("other-copy"));

        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("Forbidden by egress policy: other.azurecr.io is not an allowed registry endpoint");
        System.out.println("skopeo, other tenant: " + r.err());
        assertThat(acr.requestsTo(OTHER)).isEmpty();
        proxy.process.awaitStdout("\"target\":\"other.azurecr.io:443\"", Duration.ofSeconds(10));
        assertThat(proxy.accessLines("\"target\":\"other.azurecr.io:443\""))
                .allSatisfy(l -> assertThat(l).contains("\"decision\":\"deny\"", "\"reason\":\"host_not_allowed\""));
        assertThat(proxy.metrics()).containsPattern("acrproxy_denied_requests_total\\{group=\"default\",reason=\"host_not_allowed\"} [1-9]");
    }

    @Test
    void aStorageAccountBehindAnAllowedRegistryIsRefusedWhenBlobModeIsNone() throws Exception {
        E2eTools.Result r = copy(proxy.url(), LEGACY, dir.resolve("legacy-copy"));

        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("Forbidden by egress policy: " + STORAGE);
        System.out.println("skopeo, storage account: " + r.err());
        assertThat(acr.requestsTo(LEGACY)).contains("GET /v2/app/manifests/1");
        assertThat(acr.requestsTo(STORAGE)).isEmpty();
        proxy.process.awaitStdout("\"target\":\"" + STORAGE + ":443\"", Duration.ofSeconds(10));
        assertThat(proxy.accessLines("\"target\":\"" + STORAGE + ":443\""))
                .allSatisfy(l -> assertThat(l).contains("\"decision\":\"deny\""));
    }

    @Test
    void withCredentialsInTheProxyUrlThePullWorks() throws Exception {
        Path out = dir.resolve("auth-copy");
        E2eTools.Result r = copy(authProxy.url(E2eProxy.USER, E2eProxy.PASSWORD), MYREG, out);

        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(out.resolve(acr.image.layerDigest.substring("sha256:".length()))).exists();
        authProxy.process.awaitStdout("\"target\":\"" + MYREG_DATA + ":443\"", Duration.ofSeconds(10));
        assertThat(authProxy.accessLines("\"target\":\"" + MYREG_DATA + ":443\""))
                .allSatisfy(l -> assertThat(l).contains("\"user\":\"edge\"", "\"decision\":\"allow\""));
        assertThat(String.join("\n", authProxy.process.stdout) + String.join("\n", authProxy.process.stderr))
                .doesNotContain(E2eProxy.PASSWORD).doesNotContain(E2eProxy.encode(E2eProxy.PASSWORD));
    }

    @Test
    void aWrongPasswordOrNoCredentialsFailClearly() throws Exception {
        E2eTools.Result wrong = copy(authProxy.url(E2eProxy.USER, "not-the-password"), MYREG, dir.resolve("wrong-copy"));
        E2eTools.Result none = copy(authProxy.url(), MYREG, dir.resolve("none-copy"));

        assertThat(wrong.exit()).isNotZero();
        assertThat(wrong.err()).contains("Proxy authentication required: credentials rejected (wrong user name or password)");
        assertThat(none.exit()).isNotZero();
        assertThat(none.err()).contains("Proxy authentication required");
        System.out.println("skopeo, wrong password: " + wrong.err());
        System.out.println("skopeo, no credentials: " + none.err());
    }
}
