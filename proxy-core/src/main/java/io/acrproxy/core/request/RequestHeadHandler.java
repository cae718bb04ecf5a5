package io.acrproxy.core.request;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.connection.Refusal;
import io.acrproxy.policy.DurationText;
import io.acrproxy.policy.Reason;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Stage 2 of a connection (design §2, §4.1), behind {@link RequestHeadDecoder}: the head must arrive within
 * {@code timeouts.requestHeader} ({@code 408}, also against a client that sends a byte a second), a head the decoder
 * refused is answered with its status, and a client that sends its FIN before a whole head is closed at once
 * (half-closure is allowed on client channels for the tunnel's sake, so it would otherwise keep its slot until the
 * timeout). A complete head goes on to the next stage, its method and target in the access-log record.
 *
 * <p>{@link #readAnotherHead} starts over on the same connection, for a client that answers a {@code 407}
 * challenge there (design §5.1).
 */
public final class RequestHeadHandler extends ChannelInboundHandlerAdapter {
    /** Its name in the pipeline. */
    public static final String NAME = "request";

    private final ClientConnection connection;
    private final RequestSettings settings;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timeout;
    private boolean waiting;

    public RequestHeadHandler(ClientConnection connection, RequestSettings settings) {
        this.connection = connection;
        this.settings = settings;
    }

    /** A fresh request-head decoder with this connection's limits. */
    public static RequestHeadDecoder newDecoder(RequestSettings settings) {
        return new RequestHeadDecoder(settings.maxHeaderBytes());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startWaiting();
        ctx.fireChannelActive();
    }

    /**
     * Reads the next request head on this connection: a fresh decoder takes the place of the one that read the last
     * head (any bytes it held go to the new one), and the header timeout starts again.
     */
    public void readAnotherHead() {
        ctx.pipeline().replace(RequestHeadDecoder.class, RequestHeadDecoder.NAME, newDecoder(settings));
        startWaiting();
    }

    private void startWaiting() {
        waiting = true;
        timeout = ctx.executor().schedule(this::timedOut, settings.headerTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void timedOut() {
        if (waiting) {
            stopWaiting();
            connection.refuse(Reason.HEADER_TIMEOUT, "timeouts.requestHeader",
                    "the request head did not arrive within " + DurationText.of(settings.headerTimeout()));
        }
    }

    private void stopWaiting() {
        waiting = false;
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (connection.isAnswered()) {
            ReferenceCountUtil.release(msg);
        } else if (msg instanceof RequestHeadError error) {
            stopWaiting();
            connection.refuse(error.reason(), "request head", Refusal.of(error.reason(), error.status(), error.message()));
        } else if (msg instanceof RequestHead head) {
            stopWaiting();
            connection.record().method(head.method()).target(head.target());
            ctx.fireChannelRead(head);
        } else {
            // The decoder holds every byte until the head is complete; anything else is a wiring error.
            ReferenceCountUtil.release(msg);
            throw new IllegalStateException("unexpected message before the request head: " + msg.getClass().getName());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && waiting) {
            stopWaiting();
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopWaiting();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopWaiting();
    }
}
