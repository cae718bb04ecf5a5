package io.acrproxy.core.relay;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Ending a channel's output without losing what was written to it. Both shutdownOutput() and close() fail
 * whatever is still queued in the channel's outbound buffer, so when something is queued each waits for an
 * empty write queued behind it: writes complete in order, so when that one completes everything before it
 * has reached the socket. When nothing is queued (the usual case: the relay flushes on every read-complete
 * and a socket takes small writes at once) the action runs at once, without a promise, a listener or a flush.
 */
final class FlushThen {
    private FlushThen() {
    }

    /** True when nothing written to the channel, flushed or not, is waiting for the socket. Event loop only. */
    static boolean nothingQueued(Channel ch) {
        return queuedBytes(ch) == 0;
    }

    /**
     * Bytes written to the channel, flushed or not, that wait for the socket, with Netty's per-entry overhead (unlike
     * isEmpty(), every entry counts). The outbound buffer keeps the total in a volatile field: safe from any thread.
     */
    static long queuedBytes(Channel ch) {
        ChannelOutboundBuffer buffer = ch.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    /**
     * Runs {@code then} once everything written to {@code ch} so far has been written to the socket (at once
     * when nothing is queued), or {@code failed} with the cause when that write fails. Event loop only.
     */
    static void run(Channel ch, Runnable then, Consumer<Throwable> failed) {
        if (nothingQueued(ch)) {
            then.run();
            return;
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushed -> {
            if (flushed.isSuccess()) {
                then.run();
            } else {
                failed.accept(flushed.cause());
            }
        });
    }

    /**
     * Flushes, then closes; closes anyway after {@code drainNanos}, since a peer that stopped reading
     * would hold the flush for ever.
     */
    static void close(Channel ch, long drainNanos) {
        close(ch, drainNanos, false);
    }

    /**
     * As {@link #close(Channel, long)}, but the close is a reset ({@code SO_LINGER 0}): what is still in the kernel's
     * send buffer may be dropped, and the peer gets an RST instead of a FIN, so it cannot take a cut stream for a
     * complete one.
     */
    static void reset(Channel ch, long drainNanos) {
        close(ch, drainNanos, true);
    }

    private static void close(Channel ch, long drainNanos, boolean reset) {
        if (reset && ch.isActive()) {
            // Takes effect at close(): Netty then closes the socket with linger 0, which sends RST (RFC 793 §3.5).
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        }
        if (!ch.isActive() || nothingQueued(ch)) {
            if (ch.isOpen()) { // Netty makes an exception on every close() call, even of a closed channel
                ch.close();
            }
            return;
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        ScheduledFuture<?> deadline = ch.eventLoop().schedule(() -> {
            ch.close();
        }, drainNanos, TimeUnit.NANOSECONDS);
        ch.closeFuture().addListener(closed -> deadline.cancel(false));
    }
}
