package io.acrproxy.core.tunnel;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ending a channel's output without losing what was written to it. Both shutdownOutput() and close() fail
 * whatever is still queued in the channel's outbound buffer, so each waits for an empty write queued behind
 * it: writes complete in order, so when that one completes everything before it has reached the socket.
 */
final class FlushThen {
    private FlushThen() {
    }

    /** Flushes, then shuts the output down (a FIN): the future completes when both have. */
    static ChannelFuture shutdownOutput(DuplexChannel ch) {
        ChannelPromise done = ch.newPromise();
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushed -> {
            if (flushed.isSuccess()) {
                ch.shutdownOutput(done);
            } else {
                done.tryFailure(flushed.cause());
            }
        });
        return done;
    }

    /**
     * Flushes, then closes; closes anyway after {@code drainNanos}, since a peer that stopped reading
     * would hold the flush for ever.
     */
    static void close(Channel ch, long drainNanos) {
        if (!ch.isActive()) {
            ch.close();
            return;
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        ScheduledFuture<?> deadline = ch.eventLoop().schedule(() -> {
            ch.close();
        }, drainNanos, TimeUnit.NANOSECONDS);
        ch.closeFuture().addListener(closed -> deadline.cancel(false));
    }
}
