package io.acrproxy.core.decide;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.request.RequestHead;
import io.acrproxy.core.testing.ClientChannel;
import io.acrproxy.core.testing.TestEvents;
import io.acrproxy.policy.ClientGroupSpec;
import io.acrproxy.policy.GroupAllowlist;
import io.acrproxy.policy.Mode;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.source.PolicyHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stages 4–5 on an EmbeddedChannel: method, authority grammar and the policy decision, with what is recorded. */
class DecisionHandlerTest {
    private static final Policy ENFORCE = compile(Mode.ENFORCE);

    private final TestEvents events = new TestEvents();
    private final PolicyHolder policies = new PolicyHolder(ENFORCE);
    private final ClientChannel ch = ClientChannel.from("10.0.0.7");
    private final ClientConnection connection = new ClientConnection(ch, events.events);
    private final List<AllowedConnect> passedOn = new ArrayList<>();

    private static Policy compile(Mode mode) {
        return Policy.compile(PolicySpec.builder().mode(mode).registries(RegistrySpec.named("myreg")).build());
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
        events.close();
    }

    private ClientChannel start() {
        return ch.start(new DecisionHandler(connection, policies), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                passedOn.add((AllowedConnect) msg);
            }
        });
    }

    private static RequestHead head(String method, String target) {
        return new RequestHead(method, target, RequestHead.Version.HTTP_1_1, List.of());
    }

    @Test
    void anAllowedConnectGoesOnWithItsTargetAndThePolicyThatDecided() {
        start().writeInbound(head("CONNECT", "MyReg.AzureCR.io.:443"));

        assertThat(passedOn).singleElement().satisfies(allowed -> {
            assertThat(allowed.target().toString()).isEqualTo("myreg.azurecr.io:443");
            assertThat(allowed.policy()).isSameAs(ENFORCE.defaultGroup());
            assertThat(allowed.decision().allowed()).isTrue();
        });
        assertThat(connection.record().decisionCode()).isEqualTo("allow");
        assertThat(connection.record().policyVersion()).isEqualTo(ENFORCE.version());
        assertThat(ch.written()).isEmpty();
    }

    /** myreg for everyone, and a group plant-a, selected by the user edge-a, that may reach only plantareg. */
    private static final Policy GROUPED = Policy.compile(PolicySpec.builder().registries(RegistrySpec.named("myreg"))
            .clientGroups(ClientGroupSpec.of("plant-a", List.of(), Set.of("edge-a"), GroupAllowlist.REPLACE)
                    .withRegistries(RegistrySpec.named("plantareg"))).build());

    @Test
    void theAuthenticatedUserPicksItsClientGroupWhosePolicyDecidesAndTheRecordNamesIt() {
        policies.swap(GROUPED);
        connection.record().user("edge-a");

        start().writeInbound(head("CONNECT", "plantareg.azurecr.io:443"));

        assertThat(passedOn).singleElement().satisfies(allowed -> assertThat(allowed.policy().name()).isEqualTo("plant-a"));
        assertThat(connection.record().group()).isEqualTo("plant-a");
    }

    @Test
    void aClientOutsideEveryGroupGetsTheTopLevelPolicyUnderTheNameDefault() {
        policies.swap(GROUPED);

        start().writeInbound(head("CONNECT", "plantareg.azurecr.io:443"));

        assertThat(passedOn).isEmpty();
        assertThat(connection.record().reason()).isEqualTo(Reason.HOST_NOT_ALLOWED);
        assertThat(connection.record().group()).isEqualTo("default");
        assertThat(events.registry.get("acrproxy.denied.requests").tag("reason", "host_not_allowed")
                .tag("group", "default").counter().count()).isEqualTo(1);
    }

    @Test
    void theRecordNamesThePolicyInForceWhenTheHeadArrivedNotAtAccept() {
        start();
        Policy reloaded = compile(Mode.REPORT);
        policies.swap(reloaded);

        ch.writeInbound(head("CONNECT", "myreg.azurecr.io:443"));

        assertThat(connection.record().policyVersion()).isEqualTo(reloaded.version()).isNotEqualTo(ENFORCE.version());
    }

    @Test
    void aDeniedHostIsAnswered403WithThePolicysSentenceAndListedInBlocked() {
        start().writeInbound(head("CONNECT", "evilreg.azurecr.io:443"));

        assertThat(ch.written()).startsWith("HTTP/1.1 403 Forbidden by egress policy: evilreg.azurecr.io is not an "
                + "allowed registry endpoint\r\n");
        assertThat(passedOn).isEmpty();
        assertThat(connection.record().reason()).isEqualTo(Reason.HOST_NOT_ALLOWED);
        assertThat(events.blocked.mostRecent(10)).singleElement().satisfies(e -> {
            assertThat(e.host()).isEqualTo("evilreg.azurecr.io");
            assertThat(e.port()).isEqualTo(443);
        });
    }

    @Test
    void aTargetOutsideTheAuthorityGrammarIs400AndNotListedInBlocked() {
        start().writeInbound(head("CONNECT", "2130706433:443"));

        assertThat(ch.written()).startsWith("HTTP/1.1 400 Bad Request: ");
        assertThat(connection.record().reason()).isEqualTo(Reason.MALFORMED_REQUEST);
        assertThat(connection.record().rule()).isEqualTo("authority grammar");
        assertThat(events.blocked.mostRecent(10)).isEmpty();
        assertThat(events.denied("malformed_request")).isEqualTo(1);
    }

    @Test
    void aPlainHttpRequestIsRefusedWithTheHostsOwnDecisionAndARegistryStyleBodyUnderV2() {
        start().writeInbound(head("GET", "http://evilreg.azurecr.io/v2/"));

        String answer = ch.written();
        assertThat(answer).startsWith("HTTP/1.1 403 Forbidden by egress policy: evilreg.azurecr.io is not an allowed "
                + "registry endpoint; and GET requests are not forwarded, only CONNECT tunnels (use https://)")
                .contains("Content-Type: application/json");
        assertThat(connection.record().reason()).isEqualTo(Reason.HOST_NOT_ALLOWED);
    }

    @Test
    void aPlainHttpRequestToAnAllowedHostSaysItIsAllowedOverHttps() {
        start().writeInbound(head("GET", "http://myreg.azurecr.io/"));

        assertThat(ch.written()).startsWith("HTTP/1.1 403 Forbidden by egress policy: GET requests are not forwarded, "
                + "only CONNECT tunnels (use https://); myreg.azurecr.io is allowed over HTTPS");
        assertThat(connection.record().reason()).isEqualTo(Reason.METHOD_NOT_ALLOWED);
    }

    @Test
    void inReportModeADenialGoesOnAsWouldDeny() {
        policies.swap(compile(Mode.REPORT));
        start().writeInbound(head("CONNECT", "evilreg.azurecr.io:443"));

        assertThat(passedOn).singleElement().satisfies(allowed -> assertThat(allowed.decision().allowed()).isFalse());
        assertThat(connection.record().decisionCode()).isEqualTo("would_deny");
        assertThat(ch.written()).isEmpty();
    }
}
