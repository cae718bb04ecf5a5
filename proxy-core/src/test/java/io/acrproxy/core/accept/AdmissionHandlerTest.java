package io.acrproxy.core.accept;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.testing.ClientChannel;
import io.acrproxy.core.testing.TestEvents;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.source.PolicyHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stage 1 on an EmbeddedChannel: the client allowlist and the connection limits, before any byte is read. */
class AdmissionHandlerTest {
    private final TestEvents events = new TestEvents();
    private final PolicyHolder policies = new PolicyHolder(Policy.compile(PolicySpec.builder()
            .clientAllow(List.of(Cidr.parse("10.0.0.0/8"))).build()));
    private final ChannelGroup clients = new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE);
    private final ConnectionLimits limits = new ConnectionLimits(2, 1);
    private RecordingNextStage next = new RecordingNextStage();

    @AfterEach
    void close() {
        events.close();
    }

    private ClientChannel connect(String ip) {
        ClientChannel ch = ClientChannel.from(ip);
        ClientConnection connection = new ClientConnection(ch, events.events);
        next = new RecordingNextStage();
        return ch.start(new AdmissionHandler(connection, policies, limits, clients), next);
    }

    @Test
    void anAllowedClientIsAdmittedAndTheNextStageSeesTheConnectionBecomeActive() throws Exception {
        ClientChannel ch = connect("10.0.0.7");

        assertThat(ch.written()).isEmpty();
        assertThat(next.activated).isTrue();
        assertThat(ch.pipeline().get(AdmissionHandler.class)).as("admission leaves once admitted").isNull();
        assertThat(limits.of(InetAddress.getByName("10.0.0.7"))).isEqualTo(1);
        assertThat(clients.contains(ch)).as("in the group the drain waits for").isTrue();

        ch.close();
        assertThat(limits.total()).as("the slot is given back when the connection closes").isZero();
    }

    @Test
    void aClientOutsideClientsAllowIsRefusedBeforeItsRequestIsRead() {
        ClientChannel ch = connect("192.0.2.9");

        assertThat(ch.written()).startsWith("HTTP/1.1 403 Forbidden by egress policy: ");
        assertThat(ch.isOpen()).isFalse();
        assertThat(next.activated).isFalse();
        assertThat(limits.total()).as("a refused connection holds no slot").isZero();
        assertThat(events.denied("client_not_allowed")).isEqualTo(1);
    }

    @Test
    void aClientOverItsShareGets429AndTheProxyFullGets503BothWithRetryAfter() {
        ClientChannel first = connect("10.0.0.7");
        ClientChannel second = connect("10.0.0.7");
        assertThat(second.written()).startsWith("HTTP/1.1 429 Too many requests from this client: this client has "
                + "limits.maxConnectionsPerClient open connections").contains("\r\nRetry-After: 2\r\n");

        ClientChannel other = connect("10.0.0.8");
        ClientChannel third = connect("10.0.0.9");
        assertThat(third.written()).startsWith("HTTP/1.1 503 Proxy busy: the proxy has limits.maxConnections open "
                + "connections").contains("\r\nRetry-After: 2\r\n");

        assertThat(events.denied("connection_limit")).isEqualTo(2);
        assertThat(first.isOpen()).isTrue();
        assertThat(other.isOpen()).isTrue();
    }

    /** Short of memory: 503 with Retry-After for every new client, before any slot is taken; then back to normal. */
    @Test
    void aProxyShortOfMemoryRefusesNewConnectionsWith503AndRecovers() {
        java.util.concurrent.atomic.AtomicLong heap = new java.util.concurrent.atomic.AtomicLong(900);
        ConnectionLimits guarded = new ConnectionLimits(2, 1, new MemoryGuard(85, heap::get, 1000, MemoryGuard.Direct.NONE));
        ClientChannel ch = ClientChannel.from("10.0.0.7");
        ch.start(new AdmissionHandler(new ClientConnection(ch, events.events), policies, guarded, clients), next);

        assertThat(ch.written()).startsWith("HTTP/1.1 503 Proxy busy: the proxy is short of heap (90% in use after the "
                + "last garbage collection, above limits.maxMemoryPercent 85%); retry shortly")
                .contains("\r\nRetry-After: 2\r\n");
        assertThat(ch.isOpen()).isFalse();
        assertThat(guarded.total()).as("no slot taken").isZero();
        assertThat(events.denied("resource_exhausted")).isEqualTo(1);

        heap.set(500);
        ClientChannel later = ClientChannel.from("10.0.0.7");
        RecordingNextStage after = new RecordingNextStage();
        later.start(new AdmissionHandler(new ClientConnection(later, events.events), policies, guarded, clients), after);
        assertThat(after.activated).isTrue();
    }

    @Test
    void theRecordCarriesTheVersionOfThePolicyThatJudgedTheClient() {
        ClientChannel ch = ClientChannel.from("192.0.2.9");
        ClientConnection connection = new ClientConnection(ch, events.events);
        ch.start(new AdmissionHandler(connection, policies, limits, clients), next);

        assertThat(connection.record().policyVersion()).isEqualTo(policies.get().version());
        assertThat(connection.record().decisionCode()).isEqualTo("deny");
    }

    private static final class RecordingNextStage extends ChannelInboundHandlerAdapter {
        boolean activated;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            activated = true;
        }
    }
}
