package io.acrproxy.core.connect;

import io.acrproxy.core.observe.TunnelRecord;
import io.acrproxy.core.tunnel.ClientHelloInspector;
import io.acrproxy.core.tunnel.ClientHelloListener;
import io.acrproxy.core.tunnel.OpenTunnels;
import io.acrproxy.core.tunnel.Relay;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.host.Authority;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

/**
 * Stages 6–8 of SPEC §2 once the upstream is connected: answer {@code 200}, inspect the ClientHello, then
 * relay. Owns the connection's access-log record from here on: it is written when the relay ends, or when
 * the client connection closes if no relay ever started.
 *
 * <p>Pipeline surgery, in this order, so that no byte is lost or reordered: the ClientHello inspector takes
 * the CONNECT handler's place; then the request-head decoder leaves and hands over whatever the client sent
 * behind the head (a pipelined ClientHello); then reading resumes. The relay's handler is added behind the
 * inspector when the hello is accepted, and the inspector forwards the hello to it as it leaves.
 */
final class TunnelStarter implements ClientHelloListener {
    private final DataPlane plane;
    private final TunnelRecord record;
    private final Policy policy;
    private final Authority target;
    private final Channel upstream;
    private final ChannelFutureListener closeClientWithUpstream;
    private Channel client;
    private boolean relayStarted;

    TunnelStarter(DataPlane plane, TunnelRecord record, Policy policy, Authority target, Channel upstream) {
        this.plane = plane;
        this.record = record;
        this.policy = policy;
        this.target = target;
        this.upstream = upstream;
        this.closeClientWithUpstream = f -> client.close();
    }

    void start(ChannelHandlerContext ctx) {
        client = ctx.channel();
        record.markTunnelStarted();
        // Until the relay owns both channels, either one closing ends the other.
        upstream.closeFuture().addListener(closeClientWithUpstream);
        client.closeFuture().addListener(f -> {
            if (upstream.isOpen()) { // the relay has usually closed it; each close() call costs an exception
                upstream.close();
            }
            if (!relayStarted) {
                plane.events().closed(record);
            }
        });
        ctx.writeAndFlush(ProxyResponses.connectionEstablished(ctx.alloc())).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        ClientHelloInspector inspector = new ClientHelloInspector(sni -> policy.decideSni(target, sni), this,
                plane.maxClientHelloBytes(), plane.inspectTimeout());
        client.pipeline().replace(ctx.handler(), "client-hello", inspector);
        client.pipeline().remove(ProxyChannelInitializer.HEAD_DECODER);
        if (client instanceof DuplexChannel duplex && duplex.isInputShutdown()) {
            // The client's EOF came while the upstream connected (the event went by before the inspector was
            // there): tell it again, after the bytes the decoder held, so that an incomplete hello ends now
            // rather than at the inspection timeout. Netty fires it once per channel.
            client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
        client.config().setAutoRead(true);
    }

    @Override
    public void onAccepted(Accepted accepted) {
        record.sni(accepted.serverName());
        if (!accepted.decision().allowed()) {
            record.decision(accepted.decision()); // report mode: would_deny, and why
        }
        upstream.closeFuture().removeListener(closeClientWithUpstream);
        relayStarted = true;
        plane.events().decided(record);
        plane.events().tunnelStarted(record);
        plane.tunnels().add(new OpenTunnels.Tunnel(client, target,
                ((java.net.InetSocketAddress) upstream.remoteAddress()).getAddress(), accepted.serverName()));
        Relay.start(client, upstream, null, plane.relay(), result -> {
            plane.events().tunnelEnded(record, result.bytesUpstream(), result.bytesDownstream(), result.duration().toNanos());
            plane.events().closed(record);
        });
    }

    @Override
    public void onRefused(Refused refused) {
        record.sni(refused.serverName());
        if (refused.decision() != null) {
            record.decision(refused.decision());
        } else {
            record.refused(refused.reason(), refused.message());
        }
        plane.events().decided(record);
    }

    @Override
    public void onClosed(int bytesReceived) {
        // The client left before a whole ClientHello; the record keeps the CONNECT decision.
    }
}
