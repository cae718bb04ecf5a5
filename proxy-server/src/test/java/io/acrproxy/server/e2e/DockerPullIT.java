package io.acrproxy.server.e2e;

import static io.acrproxy.server.e2e.AcrLookalike.LEGACY;
import static io.acrproxy.server.e2e.AcrLookalike.MYREG;
import static io.acrproxy.server.e2e.AcrLookalike.MYREG_DATA;
import static io.acrproxy.server.e2e.AcrLookalike.OTHER;
import static io.acrproxy.server.e2e.AcrLookalike.STORAGE;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker pull} by a real Docker daemon whose environment points at the proxy, as the README's systemd
 * drop-in sets it up: the allowed image arrives with its layer from the data endpoint (Docker verifies the digests
 * and diff IDs); other registries and storage accounts are refused with the proxy's reason in Docker's error.
 * With credentials in the proxy URL the same pull works, and a wrong password fails clearly.
 */
class DockerPullIT {
    @TempDir
    static Path dir;

    private static AcrLookalike acr;
    private static E2eProxy proxy;
    private static E2eProxy authProxy;
    private static DockerDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        E2eTools.binary("dockerd", "docker.io");
        acr = AcrLookalike.get();
        proxy = E2eProxy.start(acr, dir, false);
        authProxy = E2eProxy.start(acr, dir, true);
        daemon = DockerDaemon.start(acr.ca.caPem(), proxy.url());
    }

    @AfterAll
    static void stop() {
        E2eTools.closeAll(daemon, proxy, authProxy);
    }

    /** The image's manifest digest and layer diff ID, as the daemon recorded them after verifying. */
    private static void assertPulled(DockerDaemon d, String host) throws Exception {
        E2eTools.Result inspect = d.docker("image", "inspect", "--format", "{{join .RepoDigests \",\"}} {{join .RootFS.Layers \",\"}}",
                acr.image.reference(host));
        assertThat(inspect.exit()).as(inspect.all()).isZero();
        assertThat(inspect.out()).contains(host + "/app@" + acr.image.manifestDigest);
    }

    @Test
    void pullsTheAllowedImageWithItsLayerFromTheDataEndpoint() throws Exception {
        E2eTools.Result pull = daemon.docker("pull", acr.image.reference(MYREG));

        assertThat(pull.exit()).as(pull.all()).isZero();
        assertThat(pull.out()).contains("Digest: " + acr.image.manifestDigest);
        assertPulled(daemon, MYREG);
        assertThat(acr.requestsTo(MYREG_DATA)).contains("GET /v2/app/blobs/" + acr.image.layerDigest);
        proxy.process.awaitStdout("\"target\":\"" + MYREG_DATA + ":443\"", Duration.ofSeconds(10));
    }

    @Test
    void anotherTenantsRegistryIsRefusedWithTheProxysReason() throws Exception {
        E2eTools.Result pull = daemon.docker("pull", acr.image.reference(OTHER));

        assertThat(pull.exit()).isNotZero();
        assertThat(pull.err()).contains("Forbidden by egress policy: other.azurecr.io is not an allowed registry endpoint");
        System.out.println("docker, other tenant: " + pull.err());
        proxy.process.awaitStdout("\"reason\":\"host_not_allowed\"", Duration.ofSeconds(10));
    }

    @Test
    void aStorageAccountIsRefusedWhenBlobModeIsNone() throws Exception {
        E2eTools.Result pull = daemon.docker("pull", acr.image.reference(LEGACY));

        assertThat(pull.exit()).isNotZero();
        assertThat(pull.all()).contains(STORAGE + " is not an allowed storage account");
        System.out.println("docker, storage account: " + pull.all());
        assertThat(acr.requestsTo(STORAGE)).isEmpty();
    }

    @Test
    void withCredentialsInTheProxyUrlThePullWorksAndAWrongPasswordFailsClearly() throws Exception {
        // What a systemd drop-in with Environment="HTTPS_PROXY=http://edge:p%%40ss...@proxy:3128" hands the daemon.
        try (DockerDaemon withAuth = DockerDaemon.start(acr.ca.caPem(), authProxy.url(E2eProxy.USER, E2eProxy.PASSWORD))) {
            E2eTools.Result info = withAuth.docker("info", "--format", "{{.HTTPSProxy}}");
            assertThat(info.out()).as("docker info masks the credentials").contains("127.0.0.1:" + authProxy.port)
                    .doesNotContain(E2eProxy.encode(E2eProxy.PASSWORD));

            E2eTools.Result pull = withAuth.docker("pull", acr.image.reference(MYREG));
            assertThat(pull.exit()).as(pull.all()).isZero();
            assertPulled(withAuth, MYREG);
            authProxy.process.awaitStdout("\"user\":\"edge\"", Duration.ofSeconds(10));
        }
        try (DockerDaemon wrong = DockerDaemon.start(acr.ca.caPem(), authProxy.url(E2eProxy.USER, "wrong"))) {
            E2eTools.Result pull = wrong.docker("pull", acr.image.reference(MYREG));
            assertThat(pull.exit()).isNotZero();
            assertThat(pull.err()).contains("Proxy authentication required: credentials rejected (wrong user name or password)");
            System.out.println("docker, wrong password: " + pull.err());
        }
    }
}
