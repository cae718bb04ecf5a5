package io.acrproxy.core.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;

/**
 * A tunnel's idle timeout: fires once no byte moved either way for {@code idleNanos}. What Netty's
 * {@code IdleStateHandler(observeOutput = true)} did, without its cost per write: it wrapped every write's
 * void promise into a new promise to hear of its completion. Here reads mark activity (the relay calls
 * {@link #active()} once per read loop, and every write is a forwarded read), and output that drained since
 * (a slow reader still taking bytes while reads are paused) counts too, as with {@code observeOutput}; it
 * is seen when the timer checks, so such a reader's tunnel may live up to one idle period longer. One task
 * per tunnel, rescheduled to the remaining time when it finds activity.
 *
 * <p>Event loop only.
 */
final class IdleTimer implements Runnable {
    private final Channel a;
    private final Channel b;
    private final long idleNanos;
    private final Ticker ticker;
    private final Runnable onIdle;
    private long lastActivity;
    private long pendingA;
    private long pendingB;
    private ScheduledFuture<?> task;

    IdleTimer(Channel a, Channel b, long idleNanos, Ticker ticker, Runnable onIdle) {
        this.a = a;
        this.b = b;
        this.idleNanos = idleNanos;
        this.ticker = ticker;
        this.onIdle = onIdle;
    }

    void start() {
        active();
        task = a.eventLoop().schedule(this, idleNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Bytes moved: call after the flush that forwards them, so that what is still queued then is the mark
     * against which the next check sees a slow reader's progress.
     */
    void active() {
        lastActivity = ticker.nanoTime();
        pendingA = pending(a);
        pendingB = pending(b);
    }

    void stop() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    @Override
    public void run() {
        if (task == null) {
            return;
        }
        long now = ticker.nanoTime();
        if (outputMoved()) {
            lastActivity = now;
        }
        long left = idleNanos - (now - lastActivity);
        if (left > 0) {
            task = a.eventLoop().schedule(this, left, TimeUnit.NANOSECONDS);
        } else {
            task = null;
            onIdle.run();
        }
    }

    /**
     * True when either channel's queued output changed since the last activity or check: with no read since
     * (a read would have moved the mark), only its reader taking bytes changes it.
     */
    private boolean outputMoved() {
        long nowA = pending(a);
        long nowB = pending(b);
        boolean moved = nowA != pendingA || nowB != pendingB;
        pendingA = nowA;
        pendingB = nowB;
        return moved;
    }

    /** Bytes queued and not yet written, plus how far the first buffer got: changes whenever the socket takes any. */
    private static long pending(Channel ch) {
        ChannelOutboundBuffer buffer = ch.unsafe().outboundBuffer();
        if (buffer == null) {
            return 0;
        }
        return buffer.totalPendingWriteBytes() - buffer.currentProgress();
    }
}
