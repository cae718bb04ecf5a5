package io.acrproxy.core.relay;

import io.acrproxy.core.relay.RelayResult.Side;
import io.acrproxy.core.transport.epoll.SplicePipes;
import io.acrproxy.core.transport.epoll.Splicer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of one of the two pipelines: forwards what its channel reads to the peer channel and
 * reports EOF, errors, idleness and closure to the {@link Relay}, which owns the tunnel's state.
 *
 * <p>Both channels run on one event loop, so the fields need no synchronisation.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter implements Splicer.Listener {
    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);

    private final Relay relay;
    private final Side side;
    private final Channel channel;
    private RelayHandler peer;
    private long bytesRead;
    private long bytesSpliced;
    private boolean inputDone;
    private boolean outputDone;
    /** Bytes read before this direction switches to splice(2); negative: never. */
    private long spliceAfter;
    private final SplicePipes splicePipes;
    /** Reads this channel's input by splice(2) once {@link #spliceAfter} bytes have been read; else null. */
    private Splicer splicer;

    RelayHandler(Relay relay, Side side, Channel channel, RelaySettings settings) {
        this.relay = relay;
        this.side = side;
        this.channel = channel;
        this.spliceAfter = settings.spliceAfterBytes();
        this.splicePipes = settings.splicePipes();
    }

    static void pair(RelayHandler a, RelayHandler b) {
        a.peer = b;
        b.peer = a;
    }

    Side side() {
        return side;
    }

    Channel channel() {
        return channel;
    }

    RelayHandler peer() {
        return peer;
    }

    long bytesRead() {
        return bytesRead;
    }

    /** Marks this side's input as finished; false when it already was. */
    boolean markInputDone() {
        if (inputDone) {
            return false;
        }
        inputDone = true;
        return true;
    }

    /** This side sent EOF (or closed) and every byte it sent before has been forwarded. */
    boolean isInputDone() {
        return inputDone;
    }

    /** The relay shut this channel's output down: the peer's EOF has been passed on. */
    void markOutputDone() {
        outputDone = true;
    }

    boolean isOutputDone() {
        return outputDone;
    }

    /**
     * Forwards bytes that arrived before the relay started, as if this channel had just read them, and
     * flushes them at once: no read-complete will follow to do it.
     */
    void forwardBuffered(ByteBuf bytes) {
        bytesRead += bytes.readableBytes();
        forward(bytes);
        peer.channel.flush();
    }

    /**
     * Starts reading unless the peer is backed up already; an input shut down before the relay started
     * (Netty fires {@link ChannelInputShutdownEvent} only once, maybe to a handler that has left) counts as EOF.
     */
    void startReading() {
        if (channel instanceof DuplexChannel duplex && duplex.isInputShutdown()) {
            relay.inputShutdown(this);
        } else {
            updateReading();
        }
    }

    /**
     * Reads while the peer can take more: its outbound buffer is below the high water mark and, when spliced, the
     * pipeful queued on it has gone out.
     */
    private void updateReading() {
        channel.config().setAutoRead(peer.channel.isWritable() && (splicer == null || !splicer.isWaitingForTarget()));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (relay.isEnded()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf buf) {
            bytesRead += buf.readableBytes();
        }
        forward(msg);
    }

    /**
     * Writes without flushing: the read loop may deliver several buffers, and one flush (one syscall) in
     * {@link #channelReadComplete} covers them all. The void promise allocates nothing per write; a failed
     * write fires exceptionCaught on the peer's pipeline, where the peer's handler reports it.
     */
    private void forward(Object msg) {
        Channel out = peer.channel;
        out.write(msg, out.voidPromise());
        if (!out.isWritable()) {
            // Stop reading until the peer drains below its low water mark: memory per tunnel stays bounded
            // by the peer's write-buffer high water mark plus one read, whatever the two speeds (design §8).
            channel.config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!relay.isEnded()) {
            peer.channel.flush();
            relay.active();
            if (spliceAfter >= 0 && bytesRead >= spliceAfter) {
                startSplicing();
            }
        }
    }

    /**
     * A direction that has moved {@code spliceAfter} bytes is a bulk transfer: from now on its bytes go from
     * socket to socket by splice(2) (epoll only), without the two copies through user space. Small and idle
     * tunnels never get there, so they do not pay the pipe's two file descriptors. One attempt per direction.
     */
    private void startSplicing() {
        spliceAfter = -1;
        try {
            splicer = Splicer.start(channel, peer.channel, splicePipes, this);
        } catch (IOException e) { // no pipe (the cap, or out of file descriptors): this direction goes on copying
            log.debug("splice not started for {}: {}", channel, e.toString());
        }
    }

    /** True once this direction's input is read by splice(2). */
    boolean isSpliced() {
        return splicer != null;
    }

    /** True while the spliced input waits for the peer to take the pipe's bytes. */
    boolean isSpliceWaitingForPeer() {
        return splicer != null && splicer.isWaitingForTarget();
    }

    /** Bytes of {@link #bytesRead()} that went by splice(2) rather than through the JVM. */
    long bytesSpliced() {
        return bytesSpliced;
    }

    @Override
    public void spliced(long bytes) {
        bytesRead += bytes;
        bytesSpliced += bytes;
        if (!relay.isEnded()) {
            relay.active();
        }
    }

    @Override
    public void readingBlocked() {
        channel.config().setAutoRead(false);
    }

    @Override
    public void readingUnblocked() {
        if (!relay.isEnded() && !inputDone) {
            updateReading();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // This channel's writability gates reads on the peer, which is what fills it.
        if (!relay.isEnded() && !peer.inputDone) {
            peer.updateReading();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) {
            // NIO fires the first after the read loop that saw EOF; epoll fires both back to back, the
            // second once all data is read. Either means this side sent FIN and every byte before it has
            // been delivered to channelRead. The Relay ignores the second.
            relay.inputShutdown(this);
        } else if (evt instanceof SslCloseCompletionEvent closed && closed.isSuccess()) {
            // The TLS port's SslHandler read the client's close_notify; the bytes it decrypted before it have been
            // passed to channelRead already (SslHandler fires the event after them).
            relay.closeNotify(this);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Consumed here: the tail would log every reset as a warning.
        relay.fail(side, cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        relay.channelClosed(side);
        ctx.fireChannelInactive();
    }
}
