package io.acrproxy.server.e2e;

import static io.acrproxy.server.e2e.AcrLookalike.LEGACY;
import static io.acrproxy.server.e2e.AcrLookalike.MYREG;
import static io.acrproxy.server.e2e.AcrLookalike.MYREG_DATA;
import static io.acrproxy.server.e2e.AcrLookalike.OTHER;
import static io.acrproxy.server.e2e.AcrLookalike.STORAGE;
import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.auth.PasswordHash;
import io.acrproxy.server.RepositoryRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two "devices" — skopeo with two proxy users — behind one proxy with a client group each (design §6.7): each pulls its
 * own registry's image and is refused the other's, with the reason in skopeo's error. Then learn mode: a report-mode
 * run in which each device pulls its own image, {@code suggest} over that run's access log (the jar's own command), and
 * a proxy with the proposal under which the same pulls pass and the other tenant's and the other device's still fail.
 *
 * <pre>
 *   plant-a (user edge-a): myreg.azurecr.io and its westeurope data endpoint
 *   plant-b (user edge-b): legacyreg.azurecr.io and its storage account legacystore
 * </pre>
 */
class ClientGroupsPullIT {
    @TempDir
    static Path dir;

    private static AcrLookalike acr;
    private static Skopeo skopeo;
    private static String auth;

    @BeforeAll
    static void start() throws Exception {
        acr = AcrLookalike.get();
        skopeo = new Skopeo(acr, dir);
        PasswordHash hasher = new PasswordHash();
        auth = "auth: {users: [{name: edge-a, passwordHash: '" + hasher.hash("pass-a".toCharArray()) + "'}, "
                + "{name: edge-b, passwordHash: '" + hasher.hash("pass-b".toCharArray()) + "'}]}\n";
    }

    private static E2eTools.Result pull(E2eProxy proxy, String device, String host, String into) throws Exception {
        return skopeo.copy(proxy.url("edge-" + device, "pass-" + device), host, dir.resolve(into));
    }

    @Test
    void eachDevicePullsItsOwnRegistryAndIsRefusedTheOthers() throws Exception {
        try (E2eProxy proxy = E2eProxy.startWithPolicy(acr, dir, "groups", auth + """
                registries: []
                clientGroups:
                  - name: plant-a
                    users: [edge-a]
                    allowlist: replace
                    registries: [{name: myreg, dataEndpointRegions: [westeurope]}]
                  - name: plant-b
                    users: [edge-b]
                    allowlist: replace
                    registries: [{name: legacyreg}]
                    blobStorage: {mode: accounts, accounts: [legacystore]}
                """, Map.of())) {
            E2eTools.Result aOwn = pull(proxy, "a", MYREG, "a-own");
            E2eTools.Result aOther = pull(proxy, "a", LEGACY, "a-other");
            E2eTools.Result bOwn = pull(proxy, "b", LEGACY, "b-own");
            E2eTools.Result bOther = pull(proxy, "b", MYREG, "b-other");

            assertThat(aOwn.exit()).as(aOwn.all()).isZero();
            assertThat(bOwn.exit()).as(bOwn.all()).isZero();
            assertThat(aOther.exit()).isNotZero();
            assertThat(aOther.err()).contains("Forbidden by egress policy: " + LEGACY + " is not an allowed registry endpoint");
            assertThat(bOther.exit()).isNotZero();
            assertThat(bOther.err()).contains("Forbidden by egress policy: " + MYREG + " is not an allowed registry endpoint");
            System.out.println("skopeo, device a pulling plant-b's registry: " + aOther.err());
            proxy.process.awaitStdout("\"target\":\"" + STORAGE + ":443\"", Duration.ofSeconds(10));
            assertThat(proxy.accessLines("\"target\":\"" + STORAGE + ":443\"")).allSatisfy(l ->
                    assertThat(l).contains("\"user\":\"edge-b\"", "\"group\":\"plant-b\"", "\"decision\":\"allow\""));
            assertThat(proxy.accessLines("\"target\":\"" + LEGACY + ":443\"")).anySatisfy(l ->
                    assertThat(l).contains("\"group\":\"plant-a\"", "\"decision\":\"deny\"", "\"reason\":\"host_not_allowed\""));
            assertThat(proxy.metrics()).containsPattern(
                    "acrproxy_denied_requests_total\\{group=\"plant-a\",reason=\"host_not_allowed\"} [1-9]");
        }
    }

    @Test
    void suggestOverAReportModeRunProposesTheConfigUnderWhichTheSamePullsPassAndNoOthers() throws Exception {
        Path log = dir.resolve("report-run.log");
        try (E2eProxy learning = E2eProxy.startWithPolicy(acr, dir, "learning", auth + """
                mode: report
                registries: []
                clientGroups:
                  - {name: plant-a, users: [edge-a], allowlist: replace}
                  - {name: plant-b, users: [edge-b], allowlist: replace}
                """, Map.of())) {
            assertThat(pull(learning, "a", MYREG, "learn-a").exit()).isZero();
            assertThat(pull(learning, "b", LEGACY, "learn-b").exit()).isZero();
            learning.process.awaitStdout("\"target\":\"" + STORAGE + ":443\"", Duration.ofSeconds(10));
            learning.process.awaitStdout("\"target\":\"" + MYREG_DATA + ":443\"", Duration.ofSeconds(10));
            Files.write(log, learning.process.stdout);
        }

        Path jar = RepositoryRoot.find().resolve("proxy-server/target/acr-egress-proxy.jar");
        E2eTools.Result suggest = E2eTools.run(Map.of(), 60, List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", jar.toString(), "suggest", "--access-log", log.toString()));
        assertThat(suggest.exit()).as(suggest.err()).isZero();
        System.out.println("suggest proposed:\n" + suggest.out());
        assertThat(suggest.out()).contains("- {name: myreg, dataEndpointRegions: [westeurope]}", "{name: legacyreg}",
                "blobStorage: {mode: accounts, accounts: [legacystore]}").doesNotContain(OTHER);

        try (E2eProxy proposed = E2eProxy.startWithPolicy(acr, dir, "proposed", auth + suggest.out(), Map.of())) {
            assertThat(pull(proposed, "a", MYREG, "proposed-a").exit()).isZero();
            assertThat(pull(proposed, "b", LEGACY, "proposed-b").exit()).isZero();
            E2eTools.Result otherTenant = pull(proposed, "a", OTHER, "proposed-other");
            E2eTools.Result otherDevice = pull(proposed, "b", MYREG, "proposed-cross");
            assertThat(otherTenant.exit()).isNotZero();
            assertThat(otherTenant.err()).contains("Forbidden by egress policy: " + OTHER + " is not an allowed registry endpoint");
            assertThat(otherDevice.exit()).isNotZero();
            assertThat(otherDevice.err()).contains("Forbidden by egress policy: " + MYREG);
        }
    }
}
