package io.acrproxy.core.accept;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.testing.ClientChannel;
import io.acrproxy.core.testing.TestEvents;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.CidrSet;
import io.acrproxy.policy.source.PolicyHolder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Behind a load balancer (10.0.0.5, trusted): the PROXY protocol header names the client, and admission judges that
 * client, not the balancer (whose own address is not in clients.allow here).
 */
class ProxyProtocolHandlerTest {
    private static final ProxyProtocolSettings SETTINGS = new ProxyProtocolSettings(
            CidrSet.of(List.of(Cidr.parse("10.0.0.0/24")), "trusted"), Duration.ofSeconds(10));

    private final TestEvents events = new TestEvents();
    private final PolicyHolder policies = new PolicyHolder(Policy.compile(PolicySpec.builder()
            .clientAllow(List.of(Cidr.parse("203.0.113.0/24"))).build()));
    private final List<String> reachedTheRequestStage = new ArrayList<>();
    private ClientChannel ch;
    private ClientConnection connection;
    private boolean active;

    @AfterEach
    void close() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
        events.close();
    }

    private ClientChannel connectFrom(String ip) {
        ch = ClientChannel.from(ip);
        connection = new ClientConnection(ch, events.events);
        ProxyProtocolHandler.Decoder decoder = new ProxyProtocolHandler.Decoder();
        ProxyProtocolHandler handler = new ProxyProtocolHandler(connection, SETTINGS, decoder);
        connection.opened(handler::sentPartOfAHeader);
        ch.pipeline()
                .addLast(ProxyProtocolHandler.AnswerBeforeClose.NAME, new ProxyProtocolHandler.AnswerBeforeClose(handler))
                .addLast(ProxyProtocolHandler.Decoder.NAME, decoder)
                .addLast(ProxyProtocolHandler.NAME, handler)
                .addLast("admission", new AdmissionHandler(connection, policies, new ConnectionLimits(10, 10),
                        new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE)))
                .addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        active = true;
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        reachedTheRequestStage.add(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
                        ((ByteBuf) msg).release();
                    }
                });
        return ch.start();
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static ByteBuf v2(HAProxyCommand command, String source, int port) {
        EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        encoder.writeOutbound(new HAProxyMessage(HAProxyProtocolVersion.V2, command,
                command == HAProxyCommand.LOCAL ? HAProxyProxiedProtocol.UNKNOWN : HAProxyProxiedProtocol.TCP4,
                command == HAProxyCommand.LOCAL ? null : source, command == HAProxyCommand.LOCAL ? null : "10.0.0.10",
                command == HAProxyCommand.LOCAL ? 0 : port, command == HAProxyCommand.LOCAL ? 0 : 3128));
        return encoder.readOutbound();
    }

    @Test
    void aV1HeaderFromTheBalancerNamesTheClientThatAdmissionThenJudges() {
        connectFrom("10.0.0.5");
        assertThat(active).as("the stages wait for the header").isFalse();

        ch.writeInbound(ascii("PROXY TCP4 203.0.113.7 10.0.0.10 51234 3128\r\nCONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n"));

        assertThat(active).isTrue();
        assertThat(connection.clientAddress().getHostAddress()).isEqualTo("203.0.113.7");
        assertThat(connection.record().toString()).startsWith("203.0.113.7:51234 ");
        assertThat(String.join("", reachedTheRequestStage)).isEqualTo("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n");
        assertThat(ch.written()).isEmpty();
    }

    @Test
    void aV2HeaderNamingAClientOutsideClientsAllowIsRefusedAsThatClient() {
        connectFrom("10.0.0.5");

        ch.writeInbound(v2(HAProxyCommand.PROXY, "198.51.100.9", 40000));

        assertThat(ch.written()).startsWith("HTTP/1.1 403 Forbidden by egress policy: ");
        assertThat(connection.record().reason()).isEqualTo(Reason.CLIENT_NOT_ALLOWED);
        assertThat(connection.record().toString()).startsWith("198.51.100.9:40000 ");
    }

    @Test
    void theBalancersOwnHealthCheckIsAProbeWithoutAnAccessLogLine() {
        connectFrom("10.0.0.5");

        ch.writeInbound(v2(HAProxyCommand.LOCAL, null, 0));

        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.written()).isEmpty();
        assertThat(events.registry.get("acrproxy.probes").tag("kind", "proxy_local").counter().count()).isEqualTo(1);
        assertThat(events.requests("denied")).isZero();
        events.close(); // writes out whatever was queued
        assertThat(events.accessLines).isEmpty();
    }

    @Test
    void bytesBehindAHealthCheckHeaderNeverReachTheRequestStages() {
        connectFrom("10.0.0.5");
        ByteBuf local = v2(HAProxyCommand.LOCAL, null, 0);

        // HAProxy's check-send-proxy sends its check request behind the LOCAL header, in the same segment.
        ch.writeInbound(local.writeBytes(ascii("OPTIONS / HTTP/1.0\r\n\r\n")));

        assertThat(ch.isOpen()).isFalse();
        assertThat(reachedTheRequestStage).isEmpty();
        assertThat(active).isFalse();
        assertThat(events.registry.get("acrproxy.probes").tag("kind", "proxy_local").counter().count()).isEqualTo(1);
    }

    @Test
    void bytesBehindARefusedHeaderNeverReachTheRequestStages() {
        connectFrom("10.0.0.5");
        EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        encoder.writeOutbound(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.UDP4, "203.0.113.7", "10.0.0.10", 51234, 3128));
        ByteBuf udp = encoder.readOutbound();

        ch.writeInbound(udp.writeBytes(ascii("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n")));

        assertThat(connection.record().reason()).isEqualTo(Reason.PROXY_PROTOCOL_ERROR);
        assertThat(reachedTheRequestStage).isEmpty();
        assertThat(active).isFalse();
    }

    @Test
    void aConnectFromTheBalancerThatSendsNothingIsAProbe() {
        connectFrom("10.0.0.5");

        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertThat(ch.isOpen()).isFalse();
        assertThat(events.registry.get("acrproxy.probes").tag("kind", "empty").counter().count()).isEqualTo(1);
    }

    @Test
    void aClientThatConnectsThroughTheBalancerAndSendsNothingIsAProbeToo() {
        connectFrom("10.0.0.5");

        ch.writeInbound(ascii("PROXY TCP4 203.0.113.7 10.0.0.10 51234 3128\r\n"));
        ch.close();

        assertThat(events.registry.get("acrproxy.probes").tag("kind", "empty").counter().count()).isEqualTo(1);
        assertThat(events.requests("denied")).isZero();
    }

    @Test
    void aHeaderCutShortByAResetIsRecordedAsTheRefusalItWouldHaveBeen() {
        connectFrom("10.0.0.5");

        ch.writeInbound(ascii("PROXY TCP4 203.0.113.7 10.0"));
        ch.close();

        assertThat(connection.record().reason()).isEqualTo(Reason.PROXY_PROTOCOL_ERROR);
        assertThat(events.denied("proxy_protocol_error")).isEqualTo(1);
        assertThat(events.registry.find("acrproxy.probes").counters()).allSatisfy(c -> assertThat(c.count()).isZero());
    }

    @Test
    void aRequestWithoutTheHeaderFromTheBalancerIsRefused() {
        connectFrom("10.0.0.5");

        ch.writeInbound(ascii("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n"));

        assertThat(ch.written()).startsWith("HTTP/1.1 400 Bad Request: expected a PROXY protocol header from the load "
                + "balancer, got \"CONNECT myreg.azurecr.io:443 HTTP/1.1\"");
        assertThat(connection.record().reason()).isEqualTo(Reason.PROXY_PROTOCOL_ERROR);
        assertThat(connection.record().rule()).isEqualTo("listen.proxyProtocol");
        assertThat(ch.isOpen()).isFalse();
        assertThat(reachedTheRequestStage).isEmpty();
        assertThat(events.denied("proxy_protocol_error")).isEqualTo(1);
    }

    @Test
    void aMalformedHeaderIsAnsweredAndLoggedBeforeNettysDecoderClosesTheConnection() {
        connectFrom("10.0.0.5");

        ch.writeInbound(ascii("PROXY TCP4 203.0.113.777 10.0.0.10 51234 3128\r\n"));
        ch.runPendingTasks();

        assertThat(ch.written()).startsWith("HTTP/1.1 400 Bad Request: the PROXY protocol header from the load balancer "
                + "is malformed: invalid HAProxy message: ").doesNotContain("Exception");
        assertThat(ch.isOpen()).isFalse();
        events.close();
        assertThat(events.accessLines).singleElement().asString().contains("\"reason\":\"proxy_protocol_error\"");
        assertThat(events.denied("proxy_protocol_error")).isEqualTo(1);
    }

    @Test
    void aV2TlvLongerThanItsHeaderIsAMalformedHeaderNotAnInternalError() {
        connectFrom("10.0.0.5");
        ByteBuf header = Unpooled.buffer()
                .writeBytes(new byte[] {'\r', '\n', '\r', '\n', 0, '\r', '\n', 'Q', 'U', 'I', 'T', '\n', 0x21, 0x11})
                .writeShort(12 + 5)
                .writeBytes(new byte[] {(byte) 203, 0, 113, 7, 10, 0, 0, 10, (byte) 0xc8, 0x22, 0x0c, 0x38})
                .writeByte(0x04).writeShort(100).writeShort(0); // PP2_TYPE_NOOP of 100 bytes, 2 of them in the header

        ch.writeInbound(header.writeBytes(ascii("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n")));
        ch.runPendingTasks();

        assertThat(ch.written()).startsWith("HTTP/1.1 400 Bad Request: the PROXY protocol header from the load balancer "
                + "is malformed: a field runs past the header's end");
        assertThat(connection.record().reason()).isEqualTo(Reason.PROXY_PROTOCOL_ERROR);
        assertThat(ch.isOpen()).isFalse();
        assertThat(reachedTheRequestStage).isEmpty();
        assertThat(active).isFalse();
    }

    @Test
    void aV1SourceAddressWithALeadingZeroIsAMalformedHeaderNotAnInternalError() {
        connectFrom("10.0.0.5");

        ch.writeInbound(ascii("PROXY TCP4 203.0.113.07 10.0.0.10 51234 3128\r\nCONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n"));

        assertThat(ch.written()).startsWith("HTTP/1.1 400 Bad Request: the PROXY protocol header from the load balancer "
                + "is malformed: \"203.0.113.07\" is not an IP address");
        assertThat(connection.record().reason()).isEqualTo(Reason.PROXY_PROTOCOL_ERROR);
        assertThat(ch.isOpen()).isFalse();
        assertThat(reachedTheRequestStage).isEmpty();
        assertThat(active).isFalse();
    }

    @Test
    void aSecondHeaderBehindAMalformedOneDoesNotNameTheRefusedConnectionsClient() {
        connectFrom("10.0.0.5");

        ch.writeInbound(ascii("PROXY TCP4 203.0.113.777 10.0.0.10 51234 3128\r\nPROXY TCP4 203.0.113.9 10.0.0.10 40000 3128\r\n"));
        ch.runPendingTasks();

        assertThat(ch.written()).startsWith("HTTP/1.1 400 Bad Request: the PROXY protocol header from the load balancer "
                + "is malformed: ");
        assertThat(ch.isOpen()).isFalse();
        assertThat(active).as("the stages behind never see the refused connection").isFalse();
        assertThat(connection.record().toString()).startsWith("10.0.0.5:50000 ");
        assertThat(connection.record().reason()).isEqualTo(Reason.PROXY_PROTOCOL_ERROR);
    }

    @ParameterizedTest(name = "cut after {0} bytes")
    @ValueSource(ints = {0, 1, 107, 108, 109})
    void aV1LineLongerThan108BytesWithItsCrlfIsRefusedHoweverItIsCut(int cut) {
        connectFrom("10.0.0.5");
        String line = "PROXY UNKNOWN " + "x".repeat(107 - 14) + "\r\n"; // 109 bytes: 107 characters and CRLF

        if (cut > 0) {
            ch.writeInbound(ascii(line.substring(0, cut)));
        }
        if (ch.isOpen()) { // 108 bytes without a CRLF are refused at once
            ch.writeInbound(ascii(line.substring(cut)));
        }
        ch.runPendingTasks();

        assertThat(ch.written()).startsWith("HTTP/1.1 400 Bad Request: the PROXY protocol header from the load balancer "
                + "is malformed: a v1 header is at most 108 bytes with its CRLF");
        assertThat(connection.record().reason()).isEqualTo(Reason.PROXY_PROTOCOL_ERROR);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void theSpecsLongestV1LineIsRead() {
        connectFrom("10.0.0.5");
        String ffff = String.join(":", java.util.Collections.nCopies(8, "ffff"));

        ch.writeInbound(ascii("PROXY UNKNOWN " + ffff + " " + ffff + " 65535 65535\r")); // 107 bytes with the LF
        ch.writeInbound(ascii("\n"));

        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.written()).isEmpty();
        assertThat(events.registry.get("acrproxy.probes").tag("kind", "proxy_local").counter().count()).isEqualTo(1);
    }

    @Test
    void aHeaderCutShortByTheBalancersFinIsRefused() {
        connectFrom("10.0.0.5");

        ch.writeInbound(ascii("PROXY TCP4 203.0.113.7 10.0"));
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertThat(connection.record().reason()).isEqualTo(Reason.PROXY_PROTOCOL_ERROR);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aHeaderThatDoesNotArriveInTimeIsAnswered408() {
        connectFrom("10.0.0.5");
        ch.writeInbound(ascii("PROXY TCP4 "));

        ch.advanceTimeBy(10, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();

        assertThat(connection.record().reason()).isEqualTo(Reason.HEADER_TIMEOUT);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aPeerOutsideTrustedFromMayNotNameAClient() {
        connectFrom("203.0.113.9");
        assertThat(active).as("judged as it is, at once").isTrue();

        ch.writeInbound(ascii("PROXY TCP4 203.0.113.7 10.0.0.10 51234 3128\r\n"));

        assertThat(ch.written()).startsWith("HTTP/1.1 400 Bad Request: a PROXY protocol header from 203.0.113.9, which "
                + "is not in listen.proxyProtocol.trustedFrom");
        assertThat(reachedTheRequestStage).isEmpty();
    }

    @Test
    void aPeerOutsideTrustedFromSpeaksPlainHttpAsAlways() {
        connectFrom("203.0.113.9");

        ch.writeInbound(ascii("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n"));

        assertThat(String.join("", reachedTheRequestStage)).isEqualTo("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n\r\n");
        assertThat(connection.clientAddress().getHostAddress()).isEqualTo("203.0.113.9");
    }
}
