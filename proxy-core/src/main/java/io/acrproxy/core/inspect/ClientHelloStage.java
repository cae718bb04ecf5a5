package io.acrproxy.core.inspect;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.connection.ProxyResponses;
import io.acrproxy.core.connection.UnexpectedErrorHandler;
import io.acrproxy.core.decide.AllowedConnect;
import io.acrproxy.core.relay.RelayStage;
import io.acrproxy.core.request.RequestHeadDecoder;
import io.acrproxy.core.upstream.UpstreamHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.util.List;

/**
 * Stage 7 of a connection (design §2, §7), from the moment the upstream is connected: answers
 * {@code 200 Connection established}, inspects the ClientHello, and hands an accepted tunnel to the relay stage. From
 * the {@code 200} on the tunnel owns the connection's access-log record: the relay writes it when the tunnel ends, or
 * the close of the client connection does if no relay ever started.
 *
 * <p>Pipeline surgery, in this order, so that no byte is lost or reordered: the inspector goes in behind the request
 * stages; they leave, the request-head decoder last, which hands over whatever the client sent behind its head (a
 * pipelined ClientHello); then reading resumes. When the hello is accepted, the error handler leaves (the relay
 * handles its own errors), and the relay's handler, added behind the inspector, receives the hello as the inspector
 * leaves.
 */
public final class ClientHelloStage implements UpstreamHandler.Connected {
    /** The inspector's name in the pipeline. */
    public static final String NAME = "client-hello";

    private final ClientConnection connection;
    private final InspectSettings settings;
    private final RelayStage relay;
    private final List<String> requestStages;

    /**
     * @param requestStages the names of the handlers between the request-head decoder and the inspector's place, which
     *                      leave when the inspector comes (those that are not in the pipeline are skipped)
     */
    public ClientHelloStage(ClientConnection connection, InspectSettings settings, RelayStage relay,
            List<String> requestStages) {
        this.connection = connection;
        this.settings = settings;
        this.relay = relay;
        this.requestStages = requestStages;
    }

    @Override
    public void connected(ChannelHandlerContext ctx, AllowedConnect request, Channel upstream) {
        new Tunnel(request, upstream).start(ctx.pipeline());
    }

    /** One connection's inspection, and what it decides. */
    private final class Tunnel implements ClientHelloListener {
        private final AllowedConnect request;
        private final Channel upstream;
        private final Channel client = connection.channel();
        /** Until the relay owns both channels, the upstream closing ends the client connection. */
        private final ChannelFutureListener closeClientWithUpstream = f -> client.close();
        private boolean relayStarted;

        Tunnel(AllowedConnect request, Channel upstream) {
            this.request = request;
            this.upstream = upstream;
        }

        void start(ChannelPipeline pipeline) {
            connection.tunnelStarted();
            upstream.closeFuture().addListener(closeClientWithUpstream);
            client.closeFuture().addListener(f -> {
                // Once relaying, the relay owns both channels and closes the upstream itself. Closing it here would
                // come first (close-future listeners run inside close(), before either channel's inactive event), so
                // the relay would take a client's orderly end for the upstream closing on it.
                if (!relayStarted) {
                    if (upstream.isOpen()) { // each close() call of a closed channel costs an exception
                        upstream.close();
                    }
                    connection.events().closed(connection.record());
                }
            });
            client.writeAndFlush(ProxyResponses.connectionEstablished(client.alloc()))
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            ClientHelloInspector inspector = new ClientHelloInspector(
                    sni -> request.policy().decideSni(request.target(), sni), this, settings.maxBytes(), settings.timeout());
            pipeline.addBefore(UnexpectedErrorHandler.NAME, NAME, inspector);
            removeRequestStages(pipeline);
            if (client instanceof DuplexChannel duplex && duplex.isInputShutdown()) {
                // The client's EOF came while the upstream connected (the event went by before the inspector was
                // there): tell it again, after the bytes the decoder held, so that an incomplete hello ends now
                // rather than at the inspection timeout. Netty fires it once per channel.
                pipeline.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
            client.config().setAutoRead(true);
        }

        /**
         * The request stages leave, the decoder last: it hands the bytes it held to the inspector, now right behind it.
         * By name, in place: {@code pipeline.names()} would copy the whole pipeline for each tunnel.
         */
        private void removeRequestStages(ChannelPipeline pipeline) {
            for (String name : requestStages) {
                if (pipeline.context(name) != null) {
                    pipeline.remove(name);
                }
            }
            pipeline.remove(RequestHeadDecoder.NAME);
        }

        @Override
        public void onAccepted(Accepted accepted) {
            connection.record().sni(accepted.serverName());
            if (!accepted.decision().allowed()) {
                connection.record().decision(accepted.decision()); // report mode: would_deny, and why
            }
            upstream.closeFuture().removeListener(closeClientWithUpstream);
            relayStarted = true;
            connection.events().decided(connection.record());
            client.pipeline().remove(UnexpectedErrorHandler.NAME);
            relay.start(connection, upstream, request.target(), accepted.serverName(), request.policy());
        }

        @Override
        public void onRefused(Refused refused) {
            connection.record().sni(refused.serverName());
            if (refused.decision() != null) {
                connection.record().decision(refused.decision());
            } else {
                connection.record().refused(refused.reason(), refused.message());
            }
            connection.events().decided(connection.record());
        }

        @Override
        public void onClosed(int bytesReceived) {
            // The client left before a whole ClientHello; the record keeps the CONNECT decision.
        }
    }
}
