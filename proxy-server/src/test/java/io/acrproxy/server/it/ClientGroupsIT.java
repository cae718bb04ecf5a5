package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.acrproxy.core.auth.PasswordHash;
import io.acrproxy.core.observe.BlockedTargets;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client groups through the whole proxy (design §6.7): two client addresses, and two proxy users on a third address,
 * get different verdicts for the same targets; plant-b runs in report mode while plant-a enforces. The verdicts, the
 * access log's group field, the group label of the metrics and {@code /blocked} all name the group.
 */
class ClientGroupsIT {
    private static final String PLANT_A_REG = "myregistry.azurecr.io";
    private static final String PLANT_B_REG = "evilreg.azurecr.io";

    @RegisterExtension
    static final TlsOriginExtension origin = TlsOriginExtension.on("127.0.0.64");

    @TempDir
    Path dir;

    private static String hashA;
    private static String hashB;

    @BeforeAll
    static void hashes() {
        PasswordHash hasher = new PasswordHash();
        hashA = hasher.hash("pass-a".toCharArray());
        hashB = hasher.hash("pass-b".toCharArray());
    }

    /** Groups by address only ({@code byUser} false, no authentication) or by proxy user only (with authentication). */
    private ProxyFixture proxy(boolean byUser) throws Exception {
        String auth = byUser ? """
                auth:
                  users:
                    - {name: edge-a, passwordHash: '%s'}
                    - {name: edge-b, passwordHash: '%s'}
                """.formatted(hashA, hashB) : "";
        String a = byUser ? "users: [edge-a]" : "clients: ['127.0.0.61/32']";
        String b = byUser ? "users: [edge-b]" : "clients: ['127.0.0.62/32']";
        return new ProxyFixture("""
                registries: []
                ports: [%d]
                destinations: {denyRanges: ['169.254.0.0/16']}
                resolver: {hosts: {%s: 127.0.0.64, %s: 127.0.0.64}}
                clientGroups:
                  - {name: plant-a, %s, allowlist: replace, registries: [{name: myregistry}], ports: [%d]}
                  - {name: plant-b, %s, allowlist: replace, registries: [{name: evilreg}], ports: [%d], mode: report}
                """.formatted(origin.port(), PLANT_A_REG, PLANT_B_REG, a, origin.port(), b, origin.port()) + auth, dir,
                new ProxyServerIT.FailingResolver());
    }

    private static String status(ProxyFixture proxy, String from, String user, String host) throws Exception {
        String auth = user == null ? "" : "Proxy-Authorization: Basic " + Base64.getEncoder().encodeToString(
                (user + ":pass-" + user.substring(user.length() - 1)).getBytes(StandardCharsets.UTF_8)) + "\r\n";
        try (RawProxyClient client = new RawProxyClient(proxy.address(), InetAddress.getByName(from))) {
            return client.send("CONNECT " + host + ":" + origin.port() + " HTTP/1.1\r\n" + auth + "\r\n").readResponse()
                    .statusLine();
        }
    }

    private static double denied(ProxyFixture proxy, String group, String reason) {
        return proxy.registry.get("acrproxy.denied.requests").tag("group", group).tag("reason", reason).counter().count();
    }

    @Test
    void twoClientAddressesGetTheirOwnGroupsVerdictsForTheSameTargets() throws Exception {
        try (ProxyFixture proxy = proxy(false)) {
            assertThat(status(proxy, "127.0.0.61", null, PLANT_A_REG)).isEqualTo("HTTP/1.1 200 Connection established");
            assertThat(status(proxy, "127.0.0.61", null, PLANT_B_REG))
                    .isEqualTo("HTTP/1.1 403 Forbidden by egress policy: " + PLANT_B_REG + " is not an allowed registry endpoint");
            assertThat(status(proxy, "127.0.0.62", null, PLANT_B_REG)).isEqualTo("HTTP/1.1 200 Connection established");
            // plant-b is in report mode: the other plant's registry is let through and logged as would_deny
            assertThat(status(proxy, "127.0.0.62", null, PLANT_A_REG)).isEqualTo("HTTP/1.1 200 Connection established");
            // a client in no group gets the top-level policy, which here allows nothing
            assertThat(status(proxy, "127.0.0.63", null, PLANT_A_REG)).startsWith("HTTP/1.1 403 ");

            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.accessLines().size() >= 5);
            assertThat(proxy.accessLines()).anySatisfy(l -> assertThat(l).contains("\"client\":\"127.0.0.61:",
                    "\"group\":\"plant-a\"", "\"target\":\"" + PLANT_B_REG, "\"decision\":\"deny\""));
            assertThat(proxy.accessLines()).anySatisfy(l -> assertThat(l).contains("\"client\":\"127.0.0.62:",
                    "\"group\":\"plant-b\"", "\"target\":\"" + PLANT_A_REG, "\"decision\":\"would_deny\""));
            assertThat(denied(proxy, "plant-a", "host_not_allowed")).isEqualTo(1);
            assertThat(denied(proxy, "plant-b", "host_not_allowed")).isZero();
            assertThat(denied(proxy, "default", "host_not_allowed")).isEqualTo(1);
            assertThat(proxy.registry.get("acrproxy.would.deny.requests").tag("group", "plant-b")
                    .tag("reason", "host_not_allowed").counter().count()).isEqualTo(1);
            assertThat(proxy.server.events().blocked().mostRecent(10)).extracting(BlockedTargets.Entry::group,
                    BlockedTargets.Entry::host).contains(org.assertj.core.groups.Tuple.tuple("plant-a", PLANT_B_REG),
                    org.assertj.core.groups.Tuple.tuple("plant-b", PLANT_A_REG));
        }
    }

    @Test
    void twoProxyUsersOnOneAddressGetTheirOwnGroupsVerdicts() throws Exception {
        try (ProxyFixture proxy = proxy(true)) {
            // one address for both: the user alone picks the group
            assertThat(status(proxy, "127.0.0.63", "edge-a", PLANT_A_REG)).isEqualTo("HTTP/1.1 200 Connection established");
            assertThat(status(proxy, "127.0.0.63", "edge-a", PLANT_B_REG)).startsWith("HTTP/1.1 403 ");
            assertThat(status(proxy, "127.0.0.63", "edge-b", PLANT_B_REG)).isEqualTo("HTTP/1.1 200 Connection established");

            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.accessLines().size() >= 3);
            assertThat(proxy.accessLines()).anySatisfy(l -> assertThat(l).contains("\"user\":\"edge-b\"",
                    "\"group\":\"plant-b\"", "\"decision\":\"allow\""));
            assertThat(denied(proxy, "plant-a", "host_not_allowed")).isEqualTo(1);
        }
    }
}
