package io.acrproxy.server.e2e;

import static io.acrproxy.server.e2e.AcrLookalike.LEGACY;
import static io.acrproxy.server.e2e.AcrLookalike.MYREG;
import static io.acrproxy.server.e2e.AcrLookalike.MYREG_DATA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.acrproxy.server.it.JarProcess;
import io.acrproxy.server.tls.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo (a Go client, as dockerd and containerd are) with {@code HTTPS_PROXY=https://…}: it speaks TLS to the proxy's
 * TLS port (design §2.4), trusting the proxy's CA through {@code SSL_CERT_FILE}, and through it TLS to the registry.
 * With a device certificate in its certificate directory (containers/image presents it to whoever asks, the proxy
 * included), the device's client group applies: the same skopeo is refused the registry its plant may not use.
 */
class TlsPortPullIT {
    @TempDir
    static Path dir;

    private static AcrLookalike acr;
    private static E2eProxy proxy;
    private static Skopeo skopeo;
    private static TestPki pki;
    private static int tlsPort;
    private static Path deviceCertDir;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(TestPki.available(), "openssl is not installed");
        acr = AcrLookalike.get();
        skopeo = new Skopeo(acr, dir);
        pki = new TestPki(Files.createDirectories(dir.resolve("pki")));
        TestPki.Issued server = pki.server("proxy", "proxy.test", TestPki.KeyForm.RSA_PKCS1, 2);
        TestPki.Issued device = pki.client("device1", "device1.plant-a.devices.test", true);
        tlsPort = JarProcess.freePort();
        proxy = E2eProxy.start(acr, dir, "proxy-tls", """
                listenTls: {address: 127.0.0.1, port: %d, certFile: '%s', keyFile: '%s', clientCaFile: '%s'}
                clientGroups:
                  - {name: plant-a, certificates: ['*.plant-a.devices.test'], allowlist: replace, registries: [{name: legacyreg}]}
                """.formatted(tlsPort, server.certificate(), server.key(), pki.caCertificate()), Map.of());
        // containers/image's layout: the registries' CA, and a client certificate as NAME.cert with NAME.key.
        deviceCertDir = Files.createDirectories(dir.resolve("device-certs"));
        Files.copy(acr.ca.certDir().resolve("ca.crt"), deviceCertDir.resolve("ca.crt"));
        Files.copy(device.certificate(), deviceCertDir.resolve("device1.cert"));
        Files.copy(device.key(), deviceCertDir.resolve("device1.key"));
    }

    @AfterAll
    static void stop() {
        E2eTools.closeAll(proxy);
    }

    private static E2eTools.Result copy(String host, Path certDir, String to) throws Exception {
        return skopeo.run("https://127.0.0.1:" + tlsPort, Map.of("SSL_CERT_FILE", pki.caCertificate().toString()),
                "copy", "--src-cert-dir", certDir.toString(), "docker://" + acr.image.reference(host), "dir:" + dir.resolve(to));
    }

    @Test
    void skopeoPullsThroughTheTlsPort() throws Exception {
        E2eTools.Result r = copy(MYREG, acr.ca.certDir(), "tls-copy");

        assertThat(r.exit()).as(r.all()).isZero();
        String layerHex = acr.image.layerDigest.substring("sha256:".length());
        assertThat(TestImage.sha256(Files.readAllBytes(dir.resolve("tls-copy").resolve(layerHex))))
                .isEqualTo(acr.image.layerDigest);
        proxy.process.awaitStdout("\"target\":\"" + MYREG_DATA + ":443\"", Duration.ofSeconds(10));
        assertThat(proxy.accessLines("\"target\":\"" + MYREG_DATA + ":443\""))
                .allSatisfy(l -> assertThat(l).as("skopeo ends with close_notify and goes: a completed tunnel")
                        .contains("\"decision\":\"allow\"", "\"client_cert\":null", "\"group\":\"default\"",
                                "\"end\":\"completed\""));
    }

    /**
     * A real Docker daemon with {@code HTTPS_PROXY=https://…}, as the README's drop-in sets it up, trusting the proxy's
     * CA and the registries' through one {@code SSL_CERT_FILE} bundle.
     */
    @Test
    void dockerPullsThroughTheTlsPortAndIsToldWhyAnotherRegistryIsRefused() throws Exception {
        E2eTools.binary("dockerd", "docker.io");
        Path bundle = dir.resolve("bundle.pem");
        Files.writeString(bundle, Files.readString(acr.ca.caPem()) + Files.readString(pki.caCertificate()));
        try (DockerDaemon daemon = DockerDaemon.start(bundle, "https://127.0.0.1:" + tlsPort)) {
            E2eTools.Result info = daemon.docker("info", "--format", "{{.HTTPSProxy}}");
            assertThat(info.out()).contains("https://127.0.0.1:" + tlsPort);

            E2eTools.Result pull = daemon.docker("pull", acr.image.reference(MYREG));
            assertThat(pull.exit()).as(pull.all()).isZero();
            assertThat(pull.out()).contains("Digest: " + acr.image.manifestDigest);

            E2eTools.Result refused = daemon.docker("pull", acr.image.reference(AcrLookalike.OTHER));
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.err()).contains("Forbidden by egress policy: other.azurecr.io is not an allowed registry "
                    + "endpoint");
            System.out.println("docker over the TLS port, other tenant: " + refused.err());
        }
    }

    /**
     * The same with a device certificate: dockerd presents a registry's client certificate from
     * {@code /etc/docker/certs.d/HOST/} (a fixed path) to the proxy too, so the daemon is refused the registry its
     * plant may not use. Runs only as root and where that directory does not exist yet; it is removed afterwards.
     */
    @Test
    void dockerWithADeviceCertificateIsRefusedAnotherPlantsRegistry() throws Exception {
        E2eTools.binary("dockerd", "docker.io");
        Path certsD = Path.of("/etc/docker/certs.d");
        assumeTrue("root".equals(System.getProperty("user.name")) && !Files.exists(certsD),
                "needs root and no /etc/docker/certs.d of the machine's");
        Path bundle = dir.resolve("bundle-device.pem");
        Files.writeString(bundle, Files.readString(acr.ca.caPem()) + Files.readString(pki.caCertificate()));
        Path made = Files.exists(certsD.getParent()) ? certsD : certsD.getParent();
        try {
            Path forMyreg = Files.createDirectories(certsD.resolve(MYREG));
            Files.copy(deviceCertDir.resolve("device1.cert"), forMyreg.resolve("client.cert"));
            Files.copy(deviceCertDir.resolve("device1.key"), forMyreg.resolve("client.key"));
            try (DockerDaemon daemon = DockerDaemon.start(bundle, "https://127.0.0.1:" + tlsPort)) {
                E2eTools.Result refused = daemon.docker("pull", acr.image.reference(MYREG));
                assertThat(refused.exit()).isNotZero();
                assertThat(refused.err()).contains("Forbidden by egress policy: myreg.azurecr.io is not an allowed "
                        + "registry endpoint");
                System.out.println("docker over the TLS port, device of plant-a: " + refused.err());
                proxy.process.awaitStdout("\"client_cert\":\"device1.plant-a.devices.test\",\"group\":\"plant-a\","
                        + "\"method\":\"CONNECT\",\"target\":\"" + MYREG + ":443\"", Duration.ofSeconds(10));
            }
        } finally {
            E2eTools.run(Map.of(), 30, "rm", "-rf", made.toString());
        }
    }

    @Test
    void aDeviceCertificateSelectsItsPlantsGroup() throws Exception {
        E2eTools.Result refused = copy(MYREG, deviceCertDir, "device-myreg");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("Forbidden by egress policy: myreg.azurecr.io is not an allowed registry endpoint");
        System.out.println("skopeo over the TLS port, device of plant-a, another registry: " + refused.err());

        E2eTools.Result allowed = copy(LEGACY, deviceCertDir, "device-legacy");
        // legacyreg's blobs live in a storage account that blobStorage (none) refuses: the manifest came through.
        assertThat(allowed.err()).contains("Forbidden by egress policy: " + AcrLookalike.STORAGE);
        proxy.process.awaitStdout("\"target\":\"" + LEGACY + ":443\"", Duration.ofSeconds(10));
        proxy.process.awaitStdout("\"target\":\"" + MYREG + ":443\"", Duration.ofSeconds(10));
        assertThat(proxy.accessLines("\"target\":\"" + LEGACY + ":443\""))
                .anySatisfy(l -> assertThat(l).contains("\"decision\":\"allow\"",
                        "\"client_cert\":\"device1.plant-a.devices.test\"", "\"group\":\"plant-a\""));
        assertThat(proxy.accessLines("\"target\":\"" + MYREG + ":443\""))
                .anySatisfy(l -> assertThat(l).contains("\"decision\":\"deny\"", "\"group\":\"plant-a\"",
                        "\"client_cert\":\"device1.plant-a.devices.test\""));
    }
}
