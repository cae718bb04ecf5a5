package io.acrproxy.core.transport.epoll;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * Moves what one epoll channel reads to another with splice(2), socket to pipe to socket, so the bytes of a bulk
 * transfer never enter the JVM. Built on Netty's public API only: the event loop's {@link ProxyEpollIoHandler} hands
 * the source's input events to {@link #read}, and each pipeful goes to the target as a {@link PipeRegion} through the
 * target's outbound buffer.
 *
 * <p>Why not Netty's own {@code AbstractEpollStreamChannel.spliceTo}: at {@code EPOLLRDHUP} its read loop shuts the
 * input down after one splice of at most the allocator's guess, with bytes still in the socket, so downloads lost
 * megabytes at EOF (docs/benchmarks.md); it cannot tell the relay how many bytes moved either.
 *
 * <p>Per direction:
 * <ul>
 *   <li>One pipe from {@link SplicePipes}, closed once the source has closed (or its reading ended) and no region is
 *       queued any more.</li>
 *   <li>Order: what the source read before splicing went to the target as buffers; every pipeful is queued behind
 *       them as a region.</li>
 *   <li>Backpressure: one pipeful (64 KiB, Linux's default pipe size) at most is in flight. While its region is queued
 *       the source does not read ({@link Listener#readingBlocked} turns auto-read off; epoll is level-triggered in
 *       Netty 4.2, so no byte is missed) and reads again when the region has gone out. Memory per direction is the
 *       pipe, in the kernel.</li>
 *   <li>The end: the EOF and errors go to Netty's read loop ({@link SpliceableHandle}), which reads them and fires the
 *       usual events; a failed splice from the source is fired as an exception and closes the source, as a failed
 *       read would. Everything before the EOF is spliced: none of it is left for a copying read.</li>
 * </ul>
 *
 * <p>Event loop only: both channels must share one loop.
 */
public final class Splicer {
    /** Told on the event loop. */
    public interface Listener {
        /** Bytes moved from the source, once per read pass that moved any. */
        void spliced(long bytes);

        /** A pipeful is queued on the target: the source must not read until {@link #readingUnblocked}. */
        void readingBlocked();

        /** The queued pipeful has gone out; the source may read again if nothing else holds it. */
        void readingUnblocked();
    }

    /** Bytes asked for per splice call; the pipe's capacity is the real limit. */
    private static final int SPLICE_LEN = 1 << 20;
    /** Splices per read pass before other channels on the loop get a turn (Netty reads 16 buffers at most). */
    private static final int MAX_SPLICES_PER_PASS = 16;

    private final Channel source;
    private final SpliceableHandle handle;
    private final Channel target;
    private final SplicePipes pipes;
    private final Listener listener;
    private final int sourceFd;
    private final int targetFd;
    private final FileDescriptor[] pipe;
    private final ChannelFutureListener drained = this::drained;
    private boolean regionQueued;
    /** {@link Listener#readingBlocked} was called for the queued region. */
    private boolean blocked;
    private boolean readingDone;
    private boolean pipeClosed;

    private Splicer(AbstractEpollStreamChannel source, AbstractEpollStreamChannel target, SpliceableHandle handle,
            SplicePipes pipes, Listener listener) throws IOException {
        this.source = source;
        this.handle = handle;
        this.target = target;
        this.pipes = pipes;
        this.listener = listener;
        this.sourceFd = source.fd().intValue();
        this.targetFd = target.fd().intValue();
        this.pipe = pipes.take();
    }

    /**
     * From the next input event on, what {@code source} reads goes to {@code target} by splice(2) instead of through
     * its pipeline. Writes already queued on {@code target} go out first. Call on the event loop both channels share.
     *
     * @return the splicer, or {@code null} when the channels cannot be spliced here: not both epoll stream channels,
     *         or their event loop does not run a {@link ProxyEpollIoHandler}
     * @throws IOException when no pipe can be had (the cap of {@code pipes}, or out of file descriptors); nothing
     *                     changes then and the caller goes on copying
     */
    public static Splicer start(Channel source, Channel target, SplicePipes pipes, Listener listener) throws IOException {
        if (!source.eventLoop().inEventLoop() || target.eventLoop() != source.eventLoop()) {
            throw new IllegalStateException("Splicer.start must run on the event loop both channels share");
        }
        ProxyEpollIoHandler loop = ProxyEpollIoHandler.current();
        if (!(source instanceof AbstractEpollStreamChannel in) || !(target instanceof AbstractEpollStreamChannel out)
                || loop == null) {
            return null;
        }
        SpliceableHandle handle = loop.handleOf(source.unsafe());
        if (handle == null || !source.isActive()) {
            return null;
        }
        Splicer splicer = new Splicer(in, out, handle, pipes, listener);
        handle.readBy(splicer);
        source.closeFuture().addListener(f -> splicer.readingDone());
        return splicer;
    }

    /** True while a pipeful waits in the target's outbound buffer. */
    public boolean isWaitingForTarget() {
        return regionQueued;
    }

    boolean isReadingDone() {
        return readingDone;
    }

    /**
     * The source's input event, while it is spliced.
     *
     * @return false when the input is at its end: the event goes on to Netty's read loop, which reads the EOF
     */
    boolean read() {
        if (readingDone || !source.isActive()) {
            return false;
        }
        if (regionQueued) {
            listener.readingBlocked(); // an event from the same epoll_wait batch, or reading was turned on too early
            return true;
        }
        long moved = 0;
        try {
            for (int i = 0; i < MAX_SPLICES_PER_PASS && source.config().isAutoRead(); i++) {
                int n = Native.splice(sourceFd, -1, pipe[1].intValue(), -1, SPLICE_LEN);
                if (n == 0) {
                    if (i == 0) {
                        // Readable, yet nothing to splice: the EOF (Netty's splice reports both EOF and EAGAIN as 0,
                        // but a level-triggered EPOLLIN on a socket only this splicer reads means there is something).
                        // Were it anything else, Netty's read loop would read it as any read loop does.
                        readingDone();
                        return false;
                    }
                    break; // nothing more for now (EAGAIN)
                }
                moved += n;
                queue(n);
                if (regionQueued) {
                    break; // the target's socket is full: wait until the region has gone out (drained)
                }
            }
        } catch (IOException e) { // ECONNRESET and the like, from the source socket
            report(moved);
            source.pipeline().fireExceptionCaught(e);
            source.close();
            return true;
        }
        report(moved);
        return true;
    }

    private void queue(int bytes) {
        regionQueued = true;
        ChannelFuture written = target.writeAndFlush(new PipeRegion(pipe[0].intValue(), targetFd, bytes));
        if (!written.isDone()) {
            blocked = true;
            listener.readingBlocked();
        }
        written.addListener(drained); // at once when the socket took it all
    }

    private void drained(ChannelFuture written) {
        regionQueued = false;
        boolean wasBlocked = blocked;
        blocked = false;
        if (!written.isSuccess()) {
            // The target failed or closed; the relay ends the tunnel. A write that found the target reset is the
            // first news of it: Netty fails the write and closes the channel, and the relay would see only the close
            // and pass a FIN on where a reset is due (design §8.2). So the failure goes to the target's pipeline first;
            // the listener runs inside that close, before the channel's inactive event.
            if (target.isRegistered() && !(written.cause() instanceof ClosedChannelException)) {
                target.pipeline().fireExceptionCaught(written.cause());
            }
            readingDone();
        } else if (readingDone) {
            closePipe();
        } else if (wasBlocked) {
            listener.readingUnblocked();
        }
    }

    private void report(long moved) {
        if (moved > 0) {
            listener.spliced(moved);
        }
    }

    /** Splicing is over for this direction (its EOF or an error went to Netty, the source closed, the target failed). */
    void readingDone() {
        if (!readingDone) {
            readingDone = true;
            handle.splicingEnded();
        }
        if (!regionQueued) {
            closePipe();
        }
    }

    private void closePipe() {
        if (!pipeClosed) {
            pipeClosed = true;
            pipes.close(pipe);
        }
    }
}
