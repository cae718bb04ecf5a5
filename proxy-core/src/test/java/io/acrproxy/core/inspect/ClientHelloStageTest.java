package io.acrproxy.core.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.connection.UnexpectedErrorHandler;
import io.acrproxy.core.decide.AllowedConnect;
import io.acrproxy.core.relay.OpenTunnels;
import io.acrproxy.core.relay.RelaySettings;
import io.acrproxy.core.relay.RelayStage;
import io.acrproxy.core.request.RequestHeadDecoder;
import io.acrproxy.core.request.RequestHeadHandler;
import io.acrproxy.core.request.RequestSettings;
import io.acrproxy.core.testing.ClientChannel;
import io.acrproxy.core.testing.TestEvents;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.source.PolicyHolder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Stage 7 on EmbeddedChannels, from the connected upstream on: the {@code 200}, the pipeline surgery that hands the
 * bytes pipelined behind the head to the inspector, and what an accepted or refused hello leads to.
 */
class ClientHelloStageTest {
    private static final RequestSettings REQUEST = new RequestSettings(Duration.ofSeconds(10), 16384);
    private static final Policy POLICY = Policy.compile(PolicySpec.builder().registries(RegistrySpec.named("myreg")).build());
    private static final Authority TARGET = Authority.parse("myreg.azurecr.io:443");

    private final TestEvents events = new TestEvents();
    private final OpenTunnels tunnels = new OpenTunnels(true);
    private final ClientChannel client = ClientChannel.from("10.0.0.7");
    private final ClientChannel upstream = ClientChannel.from("20.1.2.3");
    private final ClientConnection connection = new ClientConnection(client, events.events);
    private ChannelHandlerContext lastStage;

    @AfterEach
    void close() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
        events.close();
    }

    /** The request stages with a head and {@code behind} read in one go, then the upstream connects. */
    private void connectWith(byte[] behind) {
        upstream.start();
        client.pipeline()
                .addLast(RequestHeadDecoder.NAME, RequestHeadHandler.newDecoder(REQUEST))
                .addLast(RequestHeadHandler.NAME, new RequestHeadHandler(connection, REQUEST))
                .addLast("decide-and-upstream", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        lastStage = ctx; // stands for the decision and upstream stages
                    }
                })
                .addLast(UnexpectedErrorHandler.NAME, new UnexpectedErrorHandler(connection));
        client.start();
        connection.opened();
        ByteBuf read = Unpooled.buffer();
        read.writeCharSequence("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n", java.nio.charset.StandardCharsets.US_ASCII);
        read.writeBytes(behind);
        client.writeInbound(read);
        ClientHelloStage stage = new ClientHelloStage(connection, new InspectSettings(Duration.ofSeconds(10), 16384),
                new RelayStage(RelaySettings.copying(Duration.ofMinutes(1)), tunnels, new PolicyHolder(POLICY)),
                List.of(RequestHeadHandler.NAME, "decide-and-upstream"));
        connection.record().decision(POLICY.decide(TARGET)); // as the decision stage does
        stage.connected(lastStage, new AllowedConnect(TARGET, POLICY.decide(TARGET), POLICY.defaultGroup()), upstream);
    }

    @Test
    void aPipelinedHelloReachesTheInspectorAfterThe200AndGoesUpstreamOnceAccepted() {
        byte[] hello = TlsHelloBytes.jdkClientHello("myreg.azurecr.io");

        connectWith(hello);

        String written = client.written();
        assertThat(written).isEqualTo("HTTP/1.1 200 Connection established\r\n\r\n");
        assertThat(client.pipeline().get(RequestHeadDecoder.class)).as("the request stages left").isNull();
        assertThat(client.pipeline().get(RequestHeadHandler.class)).isNull();
        assertThat(client.pipeline().get(UnexpectedErrorHandler.class)).as("the relay handles its own errors").isNull();
        ByteBuf forwarded = upstream.readOutbound();
        try {
            assertThat(ByteBufUtil.getBytes(forwarded)).as("the hello, unchanged").isEqualTo(hello);
        } finally {
            forwarded.release();
        }
        assertThat(connection.record().sni()).isEqualTo("myreg.azurecr.io");
        assertThat(connection.record().decisionCode()).isEqualTo("allow");
        assertThat(tunnels.size()).isEqualTo(1);
        assertThat(events.requests("allowed")).isEqualTo(1);
    }

    @Test
    void aHelloForAnotherHostIsRefusedWithAnAlertAndNothingGoesUpstream() {
        connectWith(TlsHelloBytes.jdkClientHello("evilreg.azurecr.io"));

        String written = client.written();
        assertThat(written).startsWith("HTTP/1.1 200 Connection established\r\n\r\n");
        assertThat(written.substring(written.indexOf("\r\n\r\n") + 4)).as("one fatal TLS alert record").hasSize(7);
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).as("the upstream goes with the client").isFalse();
        assertThat((Object) upstream.readOutbound()).isNull();
        assertThat(connection.record().reason()).isEqualTo(Reason.SNI_MISMATCH);
        assertThat(connection.record().sni()).isEqualTo("evilreg.azurecr.io");
        assertThat(events.denied("sni_mismatch")).isEqualTo(1);
        await("the line written when the connection closed").atMost(Duration.ofSeconds(5))
                .until(() -> events.accessLines.size() == 1);
    }

    @Test
    void theUpstreamClosingBeforeTheHelloEndsTheClientConnection() {
        connectWith(new byte[0]);

        upstream.close();

        assertThat(client.isOpen()).isFalse();
    }
}
