package io.acrproxy.core.accept;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.connection.Refusal;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.net.IpAddresses;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Stage 0 of a connection behind a load balancer (design §2.1): the PROXY protocol header (v1 or v2, decoded by
 * Netty's {@link HAProxyMessageDecoder}, which sits in front of this handler as {@link Decoder}) names the client, and
 * from then on that is the connection's client address everywhere. The stages behind see the channel become active
 * only once the header has been read, so admission judges the real client.
 *
 * <ul>
 *   <li>From a source in {@code trustedFrom} the header is required, within {@code timeouts.requestHeader}; a missing,
 *       malformed or truncated header is refused ({@code proxy_protocol_error}, the connection closed), a slow one
 *       times out ({@code header_timeout}). A {@code LOCAL} (or v1 {@code UNKNOWN}) header is the balancer's own
 *       health check: a probe, closed quietly.</li>
 *   <li>From any other source a PROXY header is refused: only the trusted balancers may name a client.</li>
 * </ul>
 */
public final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {
    /** Its name in the pipeline; {@link Decoder#NAME} is the decoder's, right in front of it. */
    public static final String NAME = "proxy-protocol";
    /** The first bytes of a v1 header and of a v2 header's 12-byte signature. */
    private static final byte[] V1_PREFIX = {'P', 'R', 'O', 'X', 'Y', ' '};
    private static final byte[] V2_PREFIX = {'\r', '\n', '\r', '\n', 0, '\r', '\n', 'Q', 'U', 'I', 'T', '\n'};

    /** Netty's decoder, noting whether anything arrived (a connect that sends nothing is a probe, not an error). */
    public static final class Decoder extends HAProxyMessageDecoder {
        public static final String NAME = "proxy-header";
        private boolean receivedAny;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            receivedAny |= msg instanceof ByteBuf b && b.isReadable();
            super.channelRead(ctx, msg);
        }

        public boolean receivedAnyBytes() {
            return receivedAny;
        }
    }

    private final ClientConnection connection;
    private final ProxyProtocolSettings settings;
    private ScheduledFuture<?> timeout;
    private boolean trusted;

    public ProxyProtocolHandler(ClientConnection connection, ProxyProtocolSettings settings) {
        this.connection = connection;
        this.settings = settings;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        trusted = settings.trustedFrom().contains(connection.clientAddress());
        if (!trusted) {
            ctx.pipeline().remove(Decoder.NAME);
            ctx.fireChannelActive(); // judged as it is; its first bytes are checked in channelRead
            return;
        }
        timeout = ctx.executor().schedule(() -> connection.refuse(Reason.HEADER_TIMEOUT, "listen.proxyProtocol",
                "no PROXY protocol header from the load balancer within " + settings.headerTimeout().toMillis() + " ms"),
                settings.headerTimeout().toMillis(), TimeUnit.MILLISECONDS);
        // channelActive goes on once the header has named the client.
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage header) {
            try {
                onHeader(ctx, header);
            } finally {
                header.release();
            }
        } else if (!trusted && msg instanceof ByteBuf bytes) {
            ctx.pipeline().remove(this);
            if (startsWith(bytes, V1_PREFIX) || startsWith(bytes, V2_PREFIX)) {
                ReferenceCountUtil.release(msg);
                refuse("a PROXY protocol header from " + connection.clientAddress().getHostAddress()
                        + ", which is not in listen.proxyProtocol.trustedFrom");
                return;
            }
            ctx.fireChannelRead(msg);
        } else {
            ctx.fireChannelRead(msg); // bytes behind a header, if the decoder hands any here
        }
    }

    private void onHeader(ChannelHandlerContext ctx, HAProxyMessage header) {
        cancelTimeout();
        HAProxyProxiedProtocol protocol = header.proxiedProtocol();
        if (header.command() == HAProxyCommand.LOCAL || protocol == HAProxyProxiedProtocol.UNKNOWN) {
            connection.probe("proxy_local"); // the balancer's own connection: its health check
            return;
        }
        if (protocol != HAProxyProxiedProtocol.TCP4 && protocol != HAProxyProxiedProtocol.TCP6) {
            refuse("the PROXY protocol header is for " + protocol + " (expected: TCP over IPv4 or IPv6)");
            return;
        }
        InetAddress client = IpAddresses.parse(header.sourceAddress());
        connection.clientReportedAs(new InetSocketAddress(client, header.sourcePort()));
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof HAProxyProtocolException e) {
            refuse("expected a PROXY protocol header from the load balancer: " + e.getMessage());
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && timeout != null) {
            Decoder decoder = ctx.pipeline().get(Decoder.class);
            if (decoder != null && decoder.receivedAnyBytes()) {
                refuse("the load balancer's connection ended in the middle of the PROXY protocol header");
            } else {
                ctx.close(); // nothing sent: a TCP health check, counted as a probe when it closes
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimeout();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    private void refuse(String message) {
        cancelTimeout();
        connection.refuse(Reason.PROXY_PROTOCOL_ERROR, "listen.proxyProtocol",
                Refusal.explained(Reason.PROXY_PROTOCOL_ERROR, message));
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    private static boolean startsWith(ByteBuf bytes, byte[] prefix) {
        int n = Math.min(prefix.length, bytes.readableBytes());
        if (n < Math.min(prefix.length, 6)) {
            return false; // too few to tell; the request-head decoder refuses such a start anyway
        }
        for (int i = 0; i < n; i++) {
            if (bytes.getByte(bytes.readerIndex() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
