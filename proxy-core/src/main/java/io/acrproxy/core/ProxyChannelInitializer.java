package io.acrproxy.core;

import io.acrproxy.core.accept.AdmissionHandler;
import io.acrproxy.core.accept.ProxyProtocolHandler;
import io.acrproxy.core.auth.ProxyAuthHandler;
import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.connection.UnexpectedErrorHandler;
import io.acrproxy.core.decide.DecisionHandler;
import io.acrproxy.core.inspect.ClientHelloStage;
import io.acrproxy.core.relay.RelaySettings;
import io.acrproxy.core.relay.RelayStage;
import io.acrproxy.core.request.RequestHeadDecoder;
import io.acrproxy.core.request.RequestHeadHandler;
import io.acrproxy.core.tls.ClientTls;
import io.acrproxy.core.tls.TlsPortHandler;
import io.acrproxy.core.upstream.UpstreamHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import java.util.List;

/**
 * Each accepted client connection starts with one handler per stage of design §2, in order:
 *
 * <pre>
 * [proxy-header → proxy-protocol] → [tls-port] → admission → head (decoder) → request → [auth] → decide → upstream → errors
 *  behind a load balancer (§2.1)    TLS port (§2.4)  stage 1     stage 2        stage 2   stage 3  stages 4–5  stage 6
 * </pre>
 *
 * The PROXY protocol stage lets the connection become active for the stages behind it only once the header has
 * named the client. Admission leaves once the connection is admitted. After the {@code 200} the ClientHello inspector (stage 7) takes
 * the place of the request stages, and an accepted tunnel's relay handler (stage 8) takes its place in turn; see
 * {@link ClientHelloStage}. Every stage records into the connection's one {@link ClientConnection}.
 */
public final class ProxyChannelInitializer extends ChannelInitializer<Channel> {
    /** The handlers behind the decoder that read and decide the request; they leave after the {@code 200}. */
    static final List<String> REQUEST_STAGES = List.of(RequestHeadHandler.NAME, ProxyAuthHandler.NAME,
            DecisionHandler.NAME, UpstreamHandler.NAME);

    private final DataPlane plane;
    private final RelayStage relay;
    /** The TLS port's settings, or {@code null} on the plain port. */
    private final ClientTls tls;

    /** The plain port's connections. */
    public ProxyChannelInitializer(DataPlane plane) {
        this(plane, null);
    }

    /**
     * @param tls the TLS port's settings (design §2.4): each connection starts with the TLS stage, and its tunnel
     *            copies, since bytes to and from the client pass through the TLS engine; {@code null} for the plain port
     */
    public ProxyChannelInitializer(DataPlane plane, ClientTls tls) {
        this.plane = plane;
        this.tls = tls;
        RelaySettings settings = tls == null ? plane.relay() : RelaySettings.copying(plane.relay().idleTimeout());
        this.relay = new RelayStage(settings, plane.tunnels(), plane.policies());
    }

    @Override
    protected void initChannel(Channel ch) {
        ClientConnection connection = new ClientConnection(ch, plane.events());
        RequestHeadDecoder decoder = RequestHeadHandler.newDecoder(plane.request());
        ChannelPipeline p = ch.pipeline();
        if (plane.proxyProtocol() != null) {
            ProxyProtocolHandler.Decoder header = new ProxyProtocolHandler.Decoder();
            ProxyProtocolHandler proxyProtocol = new ProxyProtocolHandler(connection, plane.proxyProtocol(), header);
            connection.opened(() -> proxyProtocol.sentPartOfAHeader() || decoder.receivedAnyBytes());
            p.addLast(ProxyProtocolHandler.AnswerBeforeClose.NAME, new ProxyProtocolHandler.AnswerBeforeClose(proxyProtocol));
            p.addLast(ProxyProtocolHandler.Decoder.NAME, header);
            p.addLast(ProxyProtocolHandler.NAME, proxyProtocol);
        } else {
            connection.opened(decoder::receivedAnyBytes);
        }
        if (tls != null) {
            // Behind the PROXY protocol header, which a balancer sends before the client's first byte (design §2.1).
            p.addLast(TlsPortHandler.NAME, new TlsPortHandler(connection, tls));
        }
        p.addLast("admission", new AdmissionHandler(connection, plane.policies(), plane.limits(), plane.clients()));
        p.addLast(RequestHeadDecoder.NAME, decoder);
        p.addLast(RequestHeadHandler.NAME, new RequestHeadHandler(connection, plane.request()));
        if (plane.authenticator() != null) {
            p.addLast(ProxyAuthHandler.NAME, new ProxyAuthHandler(connection, plane.authenticator()));
        }
        p.addLast(DecisionHandler.NAME, new DecisionHandler(connection, plane.policies()));
        p.addLast(UpstreamHandler.NAME, new UpstreamHandler(connection, plane.upstreams(),
                new ClientHelloStage(connection, plane.inspect(), relay, REQUEST_STAGES)));
        p.addLast(UnexpectedErrorHandler.NAME, new UnexpectedErrorHandler(connection));
    }
}
