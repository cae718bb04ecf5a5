package io.acrproxy.core.relay;

import io.acrproxy.core.observe.ExpectedErrors;
import io.acrproxy.core.relay.RelayResult.Outcome;
import io.acrproxy.core.relay.RelayResult.Side;
import io.acrproxy.core.transport.epoll.Splicer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Socket;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Ticker;
import java.io.IOException;
import java.nio.channels.NotYetConnectedException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins a client channel and an upstream channel into one TCP tunnel (design §2 stage 8, §8): bytes both
 * ways with backpressure, EOF passed on as a half-close, an idle timeout, byte counts, and one
 * {@link Listener#onClosed} call when it ends.
 *
 * <p>Contract for the caller:
 * <ul>
 *   <li>Both channels are connected {@link DuplexChannel}s (TCP) registered on the same event loop
 *       ({@code Bootstrap.group(client.eventLoop())}), and {@link #start} is called on that loop.</li>
 *   <li>Set {@link ChannelOption#ALLOW_HALF_CLOSURE} at bootstrap, so that a FIN arriving before the relay
 *       starts is not a close; {@link #start} sets it again in case. Keep autoRead off until {@link #start}:
 *       a byte read before the relay's handler is in place would reach the pipeline's tail and be lost.</li>
 *   <li>Bytes read from the client before the relay started (the ClientHello the inspector consumed) are
 *       handed to {@link #start(Channel, Channel, ByteBuf, Duration, Listener)}; they go upstream first.
 *       An inspector that replays its bytes through the pipeline when removed may instead be removed just
 *       after {@link #start}: the replay then reaches the relay's handler. Either way they are counted.</li>
 * </ul>
 *
 * <p>Memory per tunnel is bounded by each channel's write-buffer high water mark plus one read (64 KiB
 * with Netty's default allocator). One exception, from Netty itself: once epoll has seen EPOLLRDHUP it
 * reads until EOF whatever autoRead says (netty/netty#3709, #6303), so after a peer's FIN what its socket's
 * receive buffer still held may be queued too; that is bounded by the kernel's receive buffer.
 *
 * <p>Splicing ({@link RelaySettings#spliceAfterBytes()}, epoll only): a direction that has moved that many bytes
 * hands its reads to a {@link Splicer}: from then on its bytes go socket to pipe to socket in the kernel and reach
 * this relay only as counts. What it holds is the pipe (64 KiB, kernel memory) and the bytes queued before the
 * switch; EOF, errors and closes arrive through the same pipeline events as before, so the rest of the relay does
 * not know the difference.
 *
 * <p>{@link #close(String)} may be called from any thread; everything else runs on the event loop.
 */
public final class Relay {
    /** Name of the relay's handler in both pipelines. */
    public static final String HANDLER_NAME = "relay";

    private static final Logger log = LoggerFactory.getLogger(Relay.class);

    /** Told once when a tunnel ends, on the tunnel's event loop. */
    @FunctionalInterface
    public interface Listener {
        void onClosed(RelayResult result);
    }

    private final RelayHandler clientHandler;
    private final RelayHandler upstreamHandler;
    private final IdleTimer idleTimer;
    private final long idleNanos;
    private final Listener listener;
    /** The event loop's ticker: the system's in production, a controllable one under EmbeddedChannel. */
    private final Ticker ticker;
    private final long startNanos;
    private int directionsDone;
    /** The client ended its stream with TLS close_notify (the TLS port); see {@link #closeNotify}. */
    private boolean closeNotifyReceived;
    private boolean ended;

    private Relay(Channel client, Channel upstream, RelaySettings settings, Listener listener) {
        this.clientHandler = new RelayHandler(this, Side.CLIENT, client, settings);
        this.upstreamHandler = new RelayHandler(this, Side.UPSTREAM, upstream, settings);
        RelayHandler.pair(clientHandler, upstreamHandler);
        this.idleNanos = settings.idleTimeout().toNanos();
        this.listener = listener;
        this.ticker = client.eventLoop().ticker();
        this.startNanos = ticker.nanoTime();
        this.idleTimer = new IdleTimer(client, upstream, idleNanos, ticker, this::idle);
    }

    /** Starts a copying relay between two connected channels; see the class comment for the contract. */
    public static Relay start(Channel client, Channel upstream, Duration idleTimeout, Listener listener) {
        return start(client, upstream, null, idleTimeout, listener);
    }

    /** As {@link #start(Channel, Channel, ByteBuf, RelaySettings, Listener)}, copying only. */
    public static Relay start(Channel client, Channel upstream, ByteBuf clientBytes, Duration idleTimeout,
            Listener listener) {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        RelaySettings settings;
        try {
            settings = RelaySettings.copying(idleTimeout);
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(clientBytes);
            throw e;
        }
        return start(client, upstream, clientBytes, settings, listener);
    }

    /**
     * Starts relaying, first sending {@code clientBytes} upstream (the relay takes ownership and releases
     * it). If a channel is closed already, the listener is told ({@link Outcome#CHANNEL_CLOSED}) before
     * this returns. Each direction that has moved {@link RelaySettings#spliceAfterBytes()} goes on by splice(2) when
     * both channels are epoll's ({@link Splicer}).
     *
     * @param clientBytes bytes already read from the client, or null
     * @throws IllegalArgumentException when a channel is not a {@link DuplexChannel}
     * @throws IllegalStateException    when not called on the event loop of both channels
     */
    public static Relay start(Channel client, Channel upstream, ByteBuf clientBytes, RelaySettings settings,
            Listener listener) {
        Relay relay;
        try {
            check(client, upstream, settings, listener);
            relay = new Relay(client, upstream, settings, listener);
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(clientBytes);
            throw e;
        }
        relay.install(clientBytes);
        return relay;
    }

    private static void check(Channel client, Channel upstream, RelaySettings settings, Listener listener) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(listener, "listener");
        if (!(client instanceof DuplexChannel) || !(upstream instanceof DuplexChannel)) {
            // Without shutdownOutput() an EOF could only be passed on as a close, losing the other direction.
            throw new IllegalArgumentException("both channels must be DuplexChannels (TCP) to pass on half-closes");
        }
        // The handlers touch each other's channel (autoRead, writes) without locks; that is only safe when
        // both channels' events run on this one thread.
        if (!client.eventLoop().inEventLoop() || !upstream.eventLoop().inEventLoop()) {
            throw new IllegalStateException("Relay.start must run on the event loop that both channels share");
        }
    }

    private void install(ByteBuf clientBytes) {
        Channel client = clientHandler.channel();
        Channel upstream = upstreamHandler.channel();
        if (!client.isActive() || !upstream.isActive()) {
            ReferenceCountUtil.release(clientBytes);
            end(Outcome.CHANNEL_CLOSED, client.isActive() ? Side.UPSTREAM : Side.CLIENT, null, null);
            return;
        }
        try {
            client.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            upstream.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            client.pipeline().addLast(HANDLER_NAME, clientHandler);
            upstream.pipeline().addLast(HANDLER_NAME, upstreamHandler);
        } catch (RuntimeException e) { // a name taken already: a relay started twice on one channel
            ReferenceCountUtil.release(clientBytes);
            throw e;
        }
        if (clientBytes != null && clientBytes.isReadable()) {
            clientHandler.forwardBuffered(clientBytes);
        } else {
            ReferenceCountUtil.release(clientBytes);
        }
        idleTimer.start();
        clientHandler.startReading();
        upstreamHandler.startReading();
    }

    /**
     * Ends the tunnel and closes both channels, e.g. when a graceful shutdown's drain time is over. Safe from any
     * thread; a no-op when the tunnel has ended already.
     *
     * @param reason carried into {@link RelayResult#reason()}
     */
    public void close(String reason) {
        endFromAnyThread(Outcome.CLOSED_BY_CALLER, reason);
    }

    /**
     * As {@link #close(String)}, for a tunnel whose permission a policy reload withdrew ({@code revokeOnReload}):
     * the result's outcome is {@link Outcome#REVOKED}, so it is logged and counted as a revocation.
     */
    public void revoke(String reason) {
        endFromAnyThread(Outcome.REVOKED, reason);
    }

    private void endFromAnyThread(Outcome outcome, String reason) {
        Channel client = clientHandler.channel();
        if (client.eventLoop().inEventLoop()) {
            end(outcome, null, null, reason);
            return;
        }
        try {
            client.eventLoop().execute(() -> end(outcome, null, null, reason));
        } catch (RejectedExecutionException e) {
            // The loop is shutting down and closes its channels; ended or not, nothing is left to do.
            log.debug("Relay close after event loop shutdown", e);
        }
    }

    public Channel client() {
        return clientHandler.channel();
    }

    public Channel upstream() {
        return upstreamHandler.channel();
    }

    boolean isEnded() {
        return ended;
    }

    /** True once {@code side}'s input is read by splice(2). */
    boolean isSpliced(Side side) {
        return handler(side).isSpliced();
    }

    /** Bytes read from {@code side} that went through the JVM (all of them unless it was spliced). */
    long bytesCopied(Side side) {
        return handler(side).bytesRead() - handler(side).bytesSpliced();
    }

    /** True while {@code side}'s spliced input waits for the other side to take the pipe's bytes. */
    boolean isSpliceWaitingForPeer(Side side) {
        return handler(side).isSpliceWaitingForPeer();
    }

    /**
     * One side sent FIN. RFC 9293 §3.6: the other direction stays open, so pass it on as a write shutdown
     * of the other channel, once what was written there has been flushed.
     *
     * <p>When the other direction has ended already, this EOF ends the tunnel: the other channel is closed
     * (once flushed) instead of shut down and then closed. Its input is at EOF, so the close sends the same
     * FIN, and Netty's {@code shutdownOutput()} is skipped along with the exception (with a stack trace) it
     * makes on every call.
     */
    void inputShutdown(RelayHandler from) {
        if (ended || !from.markInputDone()) {
            return;
        }
        RelayHandler to = from.peer();
        Channel out = to.channel();
        if (to.isInputDone()) {
            FlushThen.run(out, () -> {
                to.markOutputDone();
                out.close();
                directionDone();
            }, cause -> fail(to.side(), cause));
        } else {
            FlushThen.run(out, () -> shutdownOutput(to), cause -> fail(to.side(), cause));
        }
    }

    /**
     * A client on the TLS port sent close_notify (design §2.4): the end of its stream, passed on upstream as a FIN
     * like the TCP EOF that follows it. It also says the client is done: RFC 8446 §6.1 lets it close without waiting
     * for the other side's close_notify, and BoringSSL, like every engine under TLS 1.2 (RFC 5246 §7.2.1), sends
     * nothing after it. What goes wrong from then on (the reset its kernel answers late bytes with, a write its engine
     * refuses, the upstream resetting in turn) cannot cost the client anything it wanted: the tunnel completed.
     */
    void closeNotify(RelayHandler from) {
        closeNotifyReceived = true;
        inputShutdown(from);
    }

    private void shutdownOutput(RelayHandler to) {
        if (ended) {
            return;
        }
        SslHandler tls = to.channel().pipeline().get(SslHandler.class);
        if (tls != null && !tls.engine().isOutboundDone()) {
            // A client on the TLS port (design §2.4): the end of the stream is close_notify, then the FIN; a FIN alone
            // would look like a truncation attack to a client that checks (RFC 8446 §6.1).
            tls.closeOutbound().addListener(sent -> {
                if (!sent.isSuccess()) {
                    fail(to.side(), sent.cause());
                    return;
                }
                // In a listener an exception would only be logged by Netty, and the tunnel would never end.
                try {
                    shutdownOutput(to);
                } catch (RuntimeException e) {
                    fail(to.side(), e);
                }
            });
            return;
        }
        try {
            shutdownSocketOutput(to);
        } catch (NotYetConnectedException e) {
            // ENOTCONN: the peer's socket is closed already, by a reset or by a FIN that crossed ours, and what it sent
            // before is still in this socket's receive queue (a client on the TLS port: its close_notify, seen with
            // skopeo and dockerd). Reading it tells how the tunnel ended; ending here would call every such tunnel a
            // reset. This direction is over either way: nothing more can be sent. The read is asked for even while
            // backpressure holds it (one read more at most), so the end is seen now, not at the idle timeout.
            outputShutDown(to);
            if (!ended) {
                to.channel().read();
            }
        }
    }

    private void shutdownSocketOutput(RelayHandler to) {
        if (to.channel() instanceof AbstractEpollStreamChannel epoll && epoll.fd() instanceof Socket socket) {
            // Netty's shutdownOutput() builds a ChannelOutputShutdownException, stack trace and all, on every call, to
            // fail queued writes; here nothing is queued (flushed first) and nothing is written after, so the system
            // call alone does the same (the socket keeps the state isOutputShutdown() reads). One exception less per
            // tunnel, measured in docs/benchmarks.md.
            try {
                socket.shutdown(false, true);
            } catch (IOException e) {
                fail(to.side(), e);
                return;
            }
            outputShutDown(to);
            return;
        }
        ((DuplexChannel) to.channel()).shutdownOutput().addListener(shut -> {
            if (shut.isSuccess()) {
                outputShutDown(to);
            } else {
                fail(to.side(), shut.cause());
            }
        });
    }

    /**
     * Nothing more goes to {@code to}; what it sends is all that is left. Its EOF then ends the tunnel, so it
     * no longer needs a half-closed input: with ALLOW_HALF_CLOSURE off, Netty closes the channel at that EOF
     * (seen here as {@link #channelClosed}) rather than calling shutdown(SHUT_RD) on it. On Linux that call
     * fails with ENOTCONN there (the socket is in CLOSE once both FINs have crossed), and Netty builds a
     * NotYetConnectedException, stack trace and all, only to ignore it.
     */
    private void outputShutDown(RelayHandler to) {
        to.markOutputDone();
        if (!to.isInputDone()) {
            to.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        }
        directionDone();
    }

    private void directionDone() {
        if (++directionsDone == 2) {
            end(Outcome.COMPLETED, null, null, null);
        }
    }

    /** Bytes moved: called once per read loop of either channel. */
    void active() {
        idleTimer.active();
    }

    private void idle() {
        end(Outcome.IDLE_TIMEOUT, null, null, null);
    }

    void fail(Side side, Throwable cause) {
        if (closeNotifyReceived && (ExpectedErrors.isExpected(cause) || cause instanceof SSLException)) {
            end(Outcome.COMPLETED, side, null, null); // see closeNotify
            return;
        }
        end(ExpectedErrors.isExpected(cause) ? Outcome.EXPECTED_ERROR : Outcome.UNEXPECTED_ERROR, side, cause, null);
    }

    void channelClosed(Side side) {
        RelayHandler closed = handler(side);
        if (!ended && closed.isOutputDone()) {
            if (!closed.isInputDone()) {
                // Its EOF, closed by Netty since half-closure is off (outputShutDown); errors came as exceptions
                // first. The end of its direction; a close by anyone else now would end the tunnel alike.
                inputShutdown(closed);
            }
            // Otherwise both its directions are over and the relay closed it: the other one ends the tunnel.
            return;
        }
        end(closeNotifyReceived ? Outcome.COMPLETED : Outcome.CHANNEL_CLOSED, side, null, null);
    }

    private void end(Outcome outcome, Side side, Throwable cause, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        idleTimer.stop();
        // Completed by a close_notify, the tunnel still closes from the side that went first, but the result names none.
        RelayResult result = new RelayResult(outcome, clientHandler.bytesRead(), upstreamHandler.bytesRead(),
                Duration.ofNanos(ticker.nanoTime() - startNanos), outcome == Outcome.COMPLETED ? null : side, cause,
                reason);
        if (side != null) {
            // RFC 9110 §9.3.6: when one side closes, send on the outstanding data that came from it, then
            // close both. The other side gets one idle period to take it, as a live tunnel would.
            closeIfOpen(channel(side));
            Channel other = channel(side.other());
            if (other.isOpen()) {
                other.config().setAutoRead(false); // what it still reads would only be dropped
                // An abrupt end is passed on as one (design §8.2): after the bytes that arrived, a reset, as a direct
                // connection would end; a FIN would make a cut stream look complete to a client that does not check
                // TLS close_notify. A failure of the proxy's own (a read buffer it could not allocate) cuts the stream
                // just the same.
                if (outcome == Outcome.UNEXPECTED_ERROR
                        || outcome == Outcome.EXPECTED_ERROR && ExpectedErrors.isAbrupt(cause)) {
                    FlushThen.reset(other, idleNanos);
                } else {
                    FlushThen.close(other, idleNanos);
                }
            }
        } else {
            closeIfOpen(clientHandler.channel());
            closeIfOpen(upstreamHandler.channel());
        }
        try {
            listener.onClosed(result);
        } catch (RuntimeException e) {
            log.warn("Relay listener failed for {}", result, e);
        }
    }

    /** Netty makes a (stackless) exception on every close() call, even of a channel closed already. */
    private static void closeIfOpen(Channel ch) {
        if (ch.isOpen()) {
            ch.close();
        }
    }

    private RelayHandler handler(Side side) {
        return side == Side.CLIENT ? clientHandler : upstreamHandler;
    }

    private Channel channel(Side side) {
        return handler(side).channel();
    }
}
