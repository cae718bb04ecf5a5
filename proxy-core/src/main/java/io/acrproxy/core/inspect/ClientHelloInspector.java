package io.acrproxy.core.inspect;

import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 7 of design §2: installed on the client channel right after {@code 200 Connection established}, holds
 * everything the client sends until one whole ClientHello has arrived (bounded in bytes and time), asks the policy
 * about its server name, and then either leaves the pipeline and passes every byte it held on unchanged, or writes
 * one fatal TLS alert and closes, forwarding nothing.
 *
 * <p>Why not Netty's {@code SslClientHelloHandler} (4.2.18): it calls {@code lookup(null)} for a non-TLS peer
 * (HTTP, SSLv2), for another handshake message and for a non-handshake record alike, and for any exception while
 * reading; it checks only the record's major version (SSL 3.0 passes) and not the 2^14 record limit; it waits for
 * a whole record of up to 64 KiB before applying its size limit, then throws {@code TooLongFrameException} into
 * the pipeline and closes the channel itself, so no alert can be sent; and it has no timeout. Why not
 * {@code ByteToMessageDecoder} either: its final {@code handlerRemoved} forwards the cumulation whenever the handler
 * leaves the pipeline, also when it is removed before deciding, which would fail open. Here the bytes are passed
 * on in exactly one place, after a permitting decision; removed any other way, the inspector drops them and closes.
 *
 * <p>A refused peer that is not speaking TLS ({@link Reason#NOT_TLS}, or silence before three bytes of a record
 * header) gets no alert, just a close: an HTTP client would print seven binary bytes as a garbled response, and an
 * SSLv2 hello's peer cannot parse a TLS record. Refusals are reported, never thrown; the only stack trace logged is
 * for a failing decision function ({@link Reason#INTERNAL_ERROR}, design §5).
 */
public final class ClientHelloInspector extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ClientHelloInspector.class);

    private final Function<String, Decision> sniDecision;
    private final ClientHelloListener listener;
    private final Duration inspectTimeout;
    private final ClientHelloReassembler reassembler;
    private ByteBuf received;
    private ScheduledFuture<?> timeout;
    private boolean done;

    /**
     * @param sniDecision         the decision on the hello's normalised server name ({@code null} when absent), e.g.
     *                            {@code sni -> policy.decideSni(target, sni)}
     * @param listener            told how the inspection ended
     * @param maxClientHelloBytes {@code sni.maxClientHelloBytes}: the largest ClientHello handshake message accepted
     * @param inspectTimeout      {@code sni.inspectTimeout}: how long the whole hello may take to arrive
     */
    public ClientHelloInspector(Function<String, Decision> sniDecision, ClientHelloListener listener, int maxClientHelloBytes,
                                Duration inspectTimeout) {
        this.sniDecision = Objects.requireNonNull(sniDecision, "sniDecision");
        this.listener = Objects.requireNonNull(listener, "listener");
        if (maxClientHelloBytes < 64 || maxClientHelloBytes > 1 << 24) {
            throw new IllegalArgumentException("maxClientHelloBytes: " + maxClientHelloBytes + " (expected: 64..16777216)");
        }
        if (inspectTimeout.isNegative() || inspectTimeout.isZero()) {
            throw new IllegalArgumentException("inspectTimeout: " + inspectTimeout + " (expected: > 0)");
        }
        this.inspectTimeout = inspectTimeout;
        this.reassembler = new ClientHelloReassembler(maxClientHelloBytes);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isRegistered()) {
            startTimer(ctx);
        }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
        startTimer(ctx);
        ctx.fireChannelRegistered();
    }

    private void startTimer(ChannelHandlerContext ctx) {
        if (timeout == null && !done) {
            timeout = ctx.executor().schedule(() -> timedOut(ctx), inspectTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done || !(msg instanceof ByteBuf in)) {
            ReferenceCountUtil.release(msg); // after a refusal, or not bytes: nothing passes an undecided inspector
            return;
        }
        received = received == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), received, in);
        switch (reassembler.feed(ctx.alloc(), received)) {
            case NEED_MORE -> { }
            case FAILED -> refuse(ctx, reassembler.failureReason(), reassembler.failureMessage(), null, null);
            case COMPLETE -> decide(ctx);
        }
    }

    private void decide(ChannelHandlerContext ctx) {
        ClientHelloParser.Result parsed = ClientHelloParser.parse(reassembler.body());
        if (parsed instanceof ClientHelloParser.Failure failure) {
            refuse(ctx, failure.reason(), failure.message(), null, null);
            return;
        }
        ClientHelloInfo hello = (ClientHelloInfo) parsed;
        Decision decision;
        try {
            decision = Objects.requireNonNull(sniDecision.apply(hello.serverName()), "decision");
        } catch (RuntimeException e) {
            log.error("SNI decision failed for server name {}", hello.serverName(), e);
            refuse(ctx, Reason.INTERNAL_ERROR, "internal error deciding on the server name", hello.serverName(), null);
            return;
        }
        if (!decision.permits()) {
            refuse(ctx, decision.reason(), decision.message(), hello.serverName(), decision);
            return;
        }
        ByteBuf bytes = received;
        received = null;
        int helloBytes = reassembler.helloRecordBytes();
        finish();
        try {
            listener.onAccepted(new ClientHelloListener.Accepted(hello, decision, helloBytes));
        } catch (RuntimeException e) {
            bytes.release(); // never forward what the data plane failed to take charge of
            ctx.close();
            throw e;
        }
        if (!ctx.channel().isOpen()) {
            bytes.release(); // the listener closed the tunnel after all
            return;
        }
        ctx.pipeline().remove(this);
        // The hello (all its records) and whatever followed it in the same read, unchanged and in order; the
        // removed context still knows its successor, as ByteToMessageDecoder relies on too.
        ctx.fireChannelRead(bytes);
    }

    private void refuse(ChannelHandlerContext ctx, Reason reason, String message, String serverName, Decision decision) {
        finish();
        // The listener hears first: closing may run the channel's close listeners at once (epoll, NIO), and
        // they must see the refusal, e.g. to write it to the access log.
        listener.onRefused(new ClientHelloListener.Refused(reason, message, serverName, decision));
        int version = reassembler.recordVersion();
        if (reason == Reason.NOT_TLS || version == 0) {
            ctx.close();
        } else {
            ctx.writeAndFlush(TlsAlert.fatal(ctx.alloc(), version, TlsAlert.descriptionFor(reason)))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void timedOut(ChannelHandlerContext ctx) {
        if (!done) {
            refuse(ctx, Reason.CLIENT_HELLO_TIMEOUT, "no complete ClientHello within " + inspectTimeout.toMillis()
                    + " ms (" + bytesReceived() + " bytes received)", null, null);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!done && !ctx.channel().config().isAutoRead()) {
            ctx.read(); // the hello is not complete yet: keep reading even when the data plane reads on demand
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && !done) {
            closedEarly(ctx);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done) {
            closedEarly(ctx);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (!done) {
            closedEarly(ctx); // removed by someone else before deciding: a tunnel never relays an uninspected hello
        }
    }

    private void closedEarly(ChannelHandlerContext ctx) {
        int bytes = bytesReceived();
        finish();
        ctx.channel().close();
        listener.onClosed(bytes);
    }

    private int bytesReceived() {
        return received == null ? 0 : received.readableBytes();
    }

    private void finish() {
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (received != null) {
            received.release();
            received = null;
        }
        reassembler.release();
    }
}
