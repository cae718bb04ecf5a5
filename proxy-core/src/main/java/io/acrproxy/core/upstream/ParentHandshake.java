package io.acrproxy.core.upstream;

import io.acrproxy.policy.DurationText;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.route.ParentProxy;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Asks a connected parent proxy for a tunnel (design §2.3): writes {@code CONNECT <target name>:<port>} with
 * {@code Host} and, when configured, {@code Proxy-Authorization: Basic}, and completes {@code result} when the parent
 * answers {@code 2xx}, or fails it with a {@link ParentFailure} naming the status, a malformed answer, a close or a
 * timeout. Always the name the client asked for: the parent resolves it. It leaves the pipeline on success; the
 * {@link ParentResponseDecoder} in front of it stays, holding whatever the parent sent behind its answer, until the
 * relay is in place ({@link #releaseHeldBytes}).
 */
final class ParentHandshake extends ChannelInboundHandlerAdapter {
    static final String NAME = "parent-handshake";

    private final ParentProxy parent;
    private final Authority target;
    private final Duration timeout;
    private final Promise<Void> result;
    private ScheduledFuture<?> timer;

    ParentHandshake(ParentProxy parent, Authority target, Duration timeout, Promise<Void> result) {
        this.parent = parent;
        this.target = target;
        this.timeout = timeout;
        this.result = result;
    }

    /** The request, exactly: RFC 9110 §9.3.6 (authority-form target) and §7.2 ({@code Host}), RFC 7617. */
    static String request(ParentProxy parent, Authority target) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("CONNECT ").append(target).append(" HTTP/1.1\r\n");
        sb.append("Host: ").append(target).append("\r\n");
        if (parent.authorization() != null) {
            sb.append("Proxy-Authorization: ").append(parent.authorization()).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> fail(ctx, Reason.PARENT_TIMEOUT, describe() + " did not answer the CONNECT "
                + "within " + DurationText.of(timeout), 0, true), timeout.toMillis(), TimeUnit.MILLISECONDS);
        ctx.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(), request(parent, target)))
                .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        ctx.read(); // the upstream channel starts with auto-read off
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ParentResponseDecoder.Response response) {
            cancelTimer();
            if (response.isSuccess()) {
                ctx.pipeline().remove(this);
                result.trySuccess(null);
            } else if (response.status() == 407) {
                fail(ctx, Reason.PARENT_AUTH_FAILED, describe() + " asks for credentials (407 "
                        + phrase(response) + "): check the user and password configured for parent " + parent.name(),
                        407, false);
            } else {
                fail(ctx, Reason.PARENT_REFUSED, describe() + " refused the tunnel to " + target + " (" + response.status()
                        + " " + phrase(response) + ")", response.status(), false);
            }
        } else if (msg instanceof ParentResponseDecoder.Malformed malformed) {
            fail(ctx, Reason.PARENT_BAD_RESPONSE, describe() + " answered the CONNECT with something that is not a "
                    + "valid response: " + malformed.message(), 0, false);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, Reason.PARENT_UNREACHABLE, describe() + " closed the connection without answering the CONNECT", 0, true);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, Reason.PARENT_UNREACHABLE, describe() + " failed the connection (" + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")", 0, true);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
    }

    private void fail(ChannelHandlerContext ctx, Reason reason, String message, int status, boolean failover) {
        cancelTimer();
        if (result.tryFailure(new ParentFailure(parent, reason, message, status, failover))) {
            ctx.close();
        }
    }

    private String describe() {
        return "parent proxy " + parent.name() + " (" + parent.address() + ")";
    }

    private static String phrase(ParentResponseDecoder.Response response) {
        return response.reason().isEmpty() ? "no reason given" : response.reason();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
