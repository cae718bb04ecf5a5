package io.acrproxy.core.accept;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.connection.Refusal;
import io.acrproxy.policy.DurationText;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.net.IpAddresses;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
    /** design §2.1: a v1 header is at most 108 bytes, CRLF included (the spec's longest line is 107). */
    private static final int V1_MAX_BYTES = 108;
    private static final byte[] V2_PREFIX = {'\r', '\n', '\r', '\n', 0, '\r', '\n', 'Q', 'U', 'I', 'T', '\n'};

    /**
     * In front of the {@link Decoder}: Netty's decoder closes the connection as soon as a header turns out malformed,
     * and only then raises the error. While the header is awaited, such a close waits for the next event-loop task,
     * so that the handler, which sees the error first, can answer the load balancer's peer and record why.
     */
    public static final class AnswerBeforeClose extends ChannelOutboundHandlerAdapter {
        public static final String NAME = "proxy-header-close";
        private final ProxyProtocolHandler handler;

        public AnswerBeforeClose(ProxyProtocolHandler handler) {
            this.handler = handler;
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            if (handler.headerInProgress()) {
                ctx.executor().execute(() -> ctx.close(promise));
            } else {
                ctx.close(promise);
            }
        }
    }

    /** Netty's decoder, noting whether anything arrived (a connect that sends nothing is a probe, not an error). */
    public static final class Decoder extends HAProxyMessageDecoder {
        public static final String NAME = "proxy-header";
        private boolean receivedAny;
        /** The first bytes, as far as a header's signature goes: checked however the reads split them. */
        private final byte[] start = new byte[V2_PREFIX.length];
        private int startLength;
        /** Set once a v1 line turned out too long: the handler behind has refused, and later reads are dropped. */
        private boolean lineTooLong;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (startLength < start.length && msg instanceof ByteBuf b && b.isReadable()) {
                boolean first = !receivedAny;
                receivedAny = true;
                int n = Math.min(start.length - startLength, b.readableBytes());
                b.getBytes(b.readerIndex(), start, startLength, n);
                startLength += n;
                if (!couldStartAHeader(start, startLength)) {
                    startLength = start.length; // decided
                    if (first) {
                        // Not a header at all (most often a client that bypassed the balancer): the handler behind
                        // answers with what arrived instead, which says more than the decoder's parse error would.
                        ctx.fireChannelRead(msg);
                    } else {
                        // The same bytes, split: Netty's decoder would wait for more before it looks (found by
                        // ProxyProtocolFuzzTest), so the refusal would come only with the timeout.
                        ReferenceCountUtil.release(msg);
                        ctx.fireExceptionCaught(new HAProxyProtocolException("it does not start with a PROXY protocol "
                                + "signature"));
                    }
                    return;
                }
            }
            if (msg instanceof ByteBuf b && isV1()) {
                if (lineTooLong) {
                    b.release();
                    return;
                }
                ByteBuf held = internalBuffer();
                if (b.isReadable() && lineTooLong(held, b)) {
                    // Netty's own check depends on the segments: it counts the line without its CRLF when the CRLF
                    // is in, and every byte so far when it is not, so a 108-character line passed in one piece and
                    // failed when cut between CR and LF. Decided here on the first 108 bytes, whatever the segments;
                    // until it finds the line Netty's decoder consumes nothing, so they are all held or in this read.
                    lineTooLong = true;
                    held.skipBytes(held.readableBytes()); // nothing left for the decoder to decode at the close
                    b.release();
                    ctx.fireExceptionCaught(new HAProxyProtocolException("a v1 header is at most " + V1_MAX_BYTES
                            + " bytes with its CRLF, and the first " + V1_MAX_BYTES + " bytes hold no CRLF"));
                    return;
                }
            }
            super.channelRead(ctx, msg);
        }

        /** The first bytes are v1's "PROXY ". */
        private boolean isV1() {
            return startLength >= V1_PREFIX.length
                    && java.util.Arrays.equals(start, 0, V1_PREFIX.length, V1_PREFIX, 0, V1_PREFIX.length);
        }

        /** Whether the first 108 bytes of {@code held} and then {@code next} have arrived without a CRLF in them. */
        private static boolean lineTooLong(ByteBuf held, ByteBuf next) {
            int fromHeld = held.readableBytes();
            if (fromHeld + next.readableBytes() < V1_MAX_BYTES) {
                return false;
            }
            for (int i = 0; i + 1 < V1_MAX_BYTES; i++) {
                if (byteAt(held, fromHeld, next, i) == '\r' && byteAt(held, fromHeld, next, i + 1) == '\n') {
                    return false;
                }
            }
            return true;
        }

        private static byte byteAt(ByteBuf held, int fromHeld, ByteBuf next, int i) {
            return i < fromHeld ? held.getByte(held.readerIndex() + i) : next.getByte(next.readerIndex() + i - fromHeld);
        }

        public boolean receivedAnyBytes() {
            return receivedAny;
        }
    }

    private final ClientConnection connection;
    private final ProxyProtocolSettings settings;
    private ScheduledFuture<?> timeout;
    private final Decoder decoder;
    private boolean trusted;
    private boolean headerComplete;

    /** @param decoder the decoder in front of this handler, named {@link Decoder#NAME} */
    public ProxyProtocolHandler(ClientConnection connection, ProxyProtocolSettings settings, Decoder decoder) {
        this.connection = connection;
        this.settings = settings;
        this.decoder = decoder;
    }

    /** Part of a header has arrived and the rest is awaited: the decoder may yet find it malformed. */
    private boolean headerInProgress() {
        return timeout != null && decoder.receivedAnyBytes();
    }

    /**
     * Whether the peer sent part of a header and no more. A complete header followed by nothing is a client that
     * connected through the balancer and closed without a request: as empty as a direct connect that sends nothing.
     */
    public boolean sentPartOfAHeader() {
        return decoder.receivedAnyBytes() && !headerComplete;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        trusted = settings.trustedFrom().contains(connection.clientAddress());
        if (!trusted) {
            ctx.pipeline().remove(Decoder.NAME);
            removeCloseGuard(ctx);
            ctx.fireChannelActive(); // judged as it is; its first bytes are checked in channelRead
            return;
        }
        timeout = ctx.executor().schedule(() -> connection.refuse(Reason.HEADER_TIMEOUT, "listen.proxyProtocol",
                "no PROXY protocol header from the load balancer within " + DurationText.of(settings.headerTimeout())),
                settings.headerTimeout().toMillis(), TimeUnit.MILLISECONDS);
        // channelActive goes on once the header has named the client.
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage header) {
            try {
                if (connection.isAnswered()) {
                    // Refused already (a malformed header, the timeout): Netty's decoder, closed by then, decodes what
                    // it still holds when the connection goes inactive, and may find a second header there.
                    return;
                }
                headerComplete = true;
                onHeader(ctx, header);
            } finally {
                header.release();
            }
        } else if (trusted && timeout != null && msg instanceof ByteBuf bytes) {
            String start = bytes.toString(bytes.readerIndex(), Math.min(bytes.readableBytes(), 64), StandardCharsets.US_ASCII);
            ReferenceCountUtil.release(msg);
            int lineEnd = start.indexOf('\r');
            refuse("expected a PROXY protocol header from the load balancer, got \""
                    + (lineEnd >= 0 ? start.substring(0, lineEnd) : start) + "\"");
        } else if (!trusted && msg instanceof ByteBuf bytes) {
            ctx.pipeline().remove(this);
            if (startsWith(bytes, V1_PREFIX) || startsWith(bytes, V2_PREFIX)) {
                ReferenceCountUtil.release(msg);
                refuse("a PROXY protocol header from " + IpAddresses.toText(connection.clientAddress())
                        + ", which is not in listen.proxyProtocol.trustedFrom");
                return;
            }
            ctx.fireChannelRead(msg);
        } else if (trusted && msg instanceof ByteBuf) {
            // Bytes behind a header that named no client (LOCAL, UNKNOWN: a probe) or that was refused: the connection
            // is closing and the stages behind never became active. (Behind a header that named a client this handler
            // has left the pipeline, and the decoder hands them straight to admission.)
            ReferenceCountUtil.release(msg);
        } else {
            ctx.fireChannelRead(msg);
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
        InetAddress client;
        try {
            client = IpAddresses.parse(header.sourceAddress());
        } catch (IllegalArgumentException e) {
            // Netty's v1 parser takes "203.0.013.7"; the proxy reads addresses strictly (design §4.3: no octal-looking
            // octets), so such a header is malformed, not an internal error (found by ProxyProtocolFuzzTest).
            refuse("the PROXY protocol header from the load balancer is malformed: " + e.getMessage());
            return;
        }
        connection.clientReportedAs(new InetSocketAddress(client, header.sourcePort()));
        removeCloseGuard(ctx);
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof HAProxyProtocolException e) {
            refuse("the PROXY protocol header from the load balancer is malformed: " + describe(e));
        } else if (cause instanceof DecoderException) {
            // Netty's decoder does not check a v2 TLV's length against the header's (4.2.18): a TLV that claims more
            // bytes than the header holds escapes as an IndexOutOfBoundsException. It is a malformed header like any
            // other, not an internal error; its message describes Netty's buffer, so it stays out of the answer.
            refuse("the PROXY protocol header from the load balancer is malformed: a field runs past the header's end");
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && timeout != null) {
            if (sentPartOfAHeader()) {
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
        if (timeout != null && sentPartOfAHeader()) {
            // Closed (or reset) mid-header: recorded as the refusal it would have been; nobody is left to answer.
            refuse("the load balancer's connection closed in the middle of the PROXY protocol header");
        }
        cancelTimeout();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    /**
     * The decoder's own words, without class names: it wraps its errors, and a wrapper's message is the wrapped
     * exception's {@code toString()}.
     */
    static String describe(Throwable error) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        for (Throwable t = error; t != null && parts.size() < 4; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.contains("Exception:") && !parts.contains(m)) {
                parts.add(m);
            }
        }
        return parts.isEmpty() ? "not a valid header" : String.join(": ", parts);
    }

    private static void removeCloseGuard(ChannelHandlerContext ctx) {
        if (ctx.pipeline().get(AnswerBeforeClose.NAME) != null) {
            ctx.pipeline().remove(AnswerBeforeClose.NAME);
        }
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

    /** Whether the first bytes match the start of a v1 or v2 signature, as far as they go. */
    private static boolean couldStartAHeader(byte[] bytes, int length) {
        return matchesAsFarAsItGoes(bytes, length, V1_PREFIX) || matchesAsFarAsItGoes(bytes, length, V2_PREFIX);
    }

    private static boolean matchesAsFarAsItGoes(byte[] bytes, int length, byte[] prefix) {
        int n = Math.min(prefix.length, length);
        for (int i = 0; i < n; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
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
