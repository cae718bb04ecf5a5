package io.acrproxy.core.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.testing.ClientChannel;
import io.acrproxy.core.testing.TestEvents;
import io.acrproxy.policy.ClientGroupSpec;
import io.acrproxy.policy.GroupAllowlist;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.source.PolicyHolder;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stage 8's bookkeeping: a tunnel is tracked while it relays, and a revocation is counted and logged as one. */
class RelayStageTest {
    private final TestEvents events = new TestEvents();
    private static final Policy MYREG = Policy.compile(PolicySpec.builder().registries(RegistrySpec.named("myreg")).build());
    private static final Policy OTHERREG =
            Policy.compile(PolicySpec.builder().registries(RegistrySpec.named("otherreg")).build());

    private final OpenTunnels tunnels = new OpenTunnels(true);
    private final PolicyHolder policies = new PolicyHolder(MYREG);
    private final RelayStage stage = new RelayStage(RelaySettings.copying(Duration.ofMinutes(1)), tunnels, policies);
    private final ClientChannel client = ClientChannel.from("10.0.0.7");
    private final ClientChannel upstream = ClientChannel.from("20.1.2.3");
    private final ClientConnection connection = new ClientConnection(client, events.events);

    @AfterEach
    void close() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
        events.close();
    }

    private void relay(String target) {
        client.start();
        upstream.start();
        connection.opened();
        connection.tunnelStarted();
        stage.start(connection, upstream, Authority.parse(target), Authority.parse(target).host().text(), MYREG.defaultGroup());
    }

    private double revoked() {
        return events.registry.get("acrproxy.tunnels.revoked").counter().count();
    }

    @Test
    void aTunnelThePolicyNoLongerAllowsIsRevokedCountedAndLogged() {
        relay("myreg.azurecr.io:443");
        assertThat(tunnels.size()).isEqualTo(1);

        int revoking = tunnels.revoke(OTHERREG);

        assertThat(revoking).isEqualTo(1);
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        assertThat(revoked()).isEqualTo(1);
        assertThat(tunnels.size()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.accessLines.size() == 1);
        assertThat(events.accessLines.get(0)).contains("\"decision\":\"revoked\"", "\"reason\":\"host_not_allowed\"",
                "\"rule\":\"default deny under azurecr.io\"");
    }

    private static Policy groups(String plantARegistry, String plantBRegistry) {
        return Policy.compile(PolicySpec.builder().registries(RegistrySpec.named("myreg")).clientGroups(
                ClientGroupSpec.of("plant-a", List.of(Cidr.parse("10.1.0.0/16")), Set.of(), GroupAllowlist.REPLACE)
                        .withRegistries(RegistrySpec.named(plantARegistry)),
                ClientGroupSpec.of("plant-b", List.of(Cidr.parse("10.2.0.0/16")), Set.of(), GroupAllowlist.REPLACE)
                        .withRegistries(RegistrySpec.named(plantBRegistry))).build());
    }

    /** Editing one group's allowlist revokes only that group's tunnels (design §6.6, §6.7). */
    @Test
    void aReloadThatChangesOneGroupRevokesOnlyThatGroupsTunnels() {
        Policy before = groups("plantareg", "plantbreg");
        policies.swap(before);
        client.start(); // the class's own pair, unused here, is closed after each test
        upstream.start();
        ClientChannel clientA = ClientChannel.from("10.1.0.5");
        ClientChannel clientB = ClientChannel.from("10.2.0.5");
        ClientChannel upA = ClientChannel.from("20.1.2.3");
        ClientChannel upB = ClientChannel.from("20.1.2.4");
        try {
            for (var pair : List.of(List.of(clientA, upA), List.of(clientB, upB))) {
                ClientChannel c = pair.get(0);
                ClientChannel u = pair.get(1);
                c.start();
                u.start();
                ClientConnection conn = new ClientConnection(c, events.events);
                conn.opened();
                conn.tunnelStarted();
                String host = c == clientA ? "plantareg.azurecr.io" : "plantbreg.azurecr.io";
                stage.start(conn, u, Authority.parse(host + ":443"), host,
                        before.select(conn.clientAddress(), null));
            }

            int revoking = tunnels.revoke(groups("plantareg2", "plantbreg")); // plant-a's registry renamed

            assertThat(revoking).isEqualTo(1);
            assertThat(clientA.isOpen()).isFalse();
            assertThat(clientB.isOpen()).isTrue();
        } finally {
            for (ClientChannel c : List.of(clientA, clientB, upA, upB)) {
                c.finishAndReleaseAll();
            }
        }
    }

    @Test
    void aTunnelThePolicyStillAllowsIsLeftAlone() {
        relay("myreg.azurecr.io:443");

        int revoking = tunnels.revoke(MYREG);

        assertThat(revoking).isZero();
        assertThat(client.isOpen()).isTrue();
        assertThat(revoked()).isZero();
    }

    @Test
    void aTunnelThatEndsByItselfIsNotCountedAsRevoked() {
        relay("myreg.azurecr.io:443");

        client.close();

        assertThat(revoked()).isZero();
        assertThat(tunnels.size()).isZero();
    }

    /**
     * A reload that came while the tunnel connected or sent its ClientHello ran its revocation before the tunnel was
     * tracked: the tunnel is checked against the policy in force as it starts relaying.
     */
    @Test
    void aTunnelDecidedByAPolicyThatAReloadReplacedIsCheckedAgainstTheNewOneAsItStarts() {
        policies.swap(OTHERREG); // the reload, after the decision (MYREG), before the relay

        relay("myreg.azurecr.io:443");

        assertThat(client.isOpen()).isFalse();
        assertThat(revoked()).isEqualTo(1);
        assertThat(tunnels.size()).isZero();
    }

    /** What the admission check weighs against direct memory (design §2.1): bytes read and not yet written. */
    @Test
    void theOpenTunnelsQueuedBytesAreWhatTheirSlowSidesHaveNotTaken() {
        relay("myreg.azurecr.io:443");
        assertThat(tunnels.queuedBytes()).isZero();
        upstream.stall();
        client.stall();

        client.writeInbound(io.acrproxy.core.testing.DuplexEmbeddedChannel.text("x".repeat(1000)));
        upstream.writeInbound(io.acrproxy.core.testing.DuplexEmbeddedChannel.text("y".repeat(300)));

        // Each queued message also counts Netty's entry overhead (a few dozen bytes).
        assertThat(tunnels.queuedBytes()).isBetween(1300L, 1300L + 2 * 200);
        upstream.drain();
        assertThat(tunnels.queuedBytes()).isBetween(300L, 300L + 200);
        client.close();
        assertThat(tunnels.queuedBytes()).as("a closed tunnel holds nothing").isZero();
    }

    @Test
    void withoutRevokeOnReloadNothingIsRevoked() {
        OpenTunnels keep = new OpenTunnels(false);
        RelayStage keeping = new RelayStage(RelaySettings.copying(Duration.ofMinutes(1)), keep, policies);
        policies.swap(OTHERREG);
        client.start();
        upstream.start();
        connection.opened();
        connection.tunnelStarted();

        keeping.start(connection, upstream, Authority.parse("myreg.azurecr.io:443"), "myreg.azurecr.io", MYREG.defaultGroup());

        assertThat(client.isOpen()).isTrue();
        assertThat(keep.revoke(OTHERREG)).isZero();
        assertThat(revoked()).isZero();
    }
}
