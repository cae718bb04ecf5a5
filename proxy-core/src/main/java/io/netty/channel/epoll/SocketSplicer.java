package io.netty.channel.epoll;

import static io.netty.channel.internal.ChannelUtils.WRITE_STATUS_SNDBUF_FULL;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * acr-egress-proxy: moves what one {@link EpollSocketChannel} reads to another with splice(2), socket to pipe to
 * socket, so that relayed bytes never cross into user space (SPEC §8: zero-copy where the transport allows it).
 * It lives in Netty's package because it drives the channel's read loop, which Netty keeps package-private.
 *
 * <p>Why not Netty's own {@code AbstractEpollStreamChannel.spliceTo}: at EPOLLRDHUP its read loop shuts the input
 * down after one splice of at most the allocator's guess, with bytes still in the socket, so downloads lost
 * megabytes at EOF (docs/benchmarks.md); it also cannot tell the relay how many bytes moved.
 *
 * <p>How it works, per direction (source's input to target's output):
 * <ul>
 *   <li>One pipe (two file descriptors), made by {@link EpollSocketChannel#spliceInputTo}, closed once the source
 *       has closed and the pipe's last bytes have gone out, or can no longer go out (the target closed).</li>
 *   <li>Order: bytes the source read before splicing started were written to the target as buffers; each splice
 *       into the pipe is followed by a {@link PipeDrain} written to the target's outbound buffer, so the pipe's
 *       bytes follow whatever was queued before, and a close or shutdown that waits for the target's queue to
 *       empty waits for them too.</li>
 *   <li>Backpressure: at most one pipe's worth (64 KiB, Linux's default pipe size) is in flight. While a drain
 *       is queued the source does not read (EPOLLIN off; Netty 4.2's epoll channels are level-triggered) and
 *       reads again once it completes. Memory per direction is the pipe, in the kernel.</li>
 *   <li>EOF: Netty's splice returns 0 both at EOF and when nothing is there (it maps EAGAIN to 0). After
 *       EPOLLRDHUP nothing more can arrive, so a 0 with the pipe empty is EOF, and the input is shut down as
 *       Netty does it, with the same pipeline events.</li>
 * </ul>
 *
 * <p>Event loop only: both channels must share one loop.
 */
public final class SocketSplicer {
    /** Told on the event loop how many bytes moved from the source, once per read pass that moved any. */
    @FunctionalInterface
    public interface Listener {
        void spliced(long bytes);
    }

    /** Bytes asked for per splice call; the pipe's capacity is the real limit. */
    private static final int SPLICE_LEN = 1 << 20;
    /** Splices per read pass before other channels on the loop get a turn (Netty reads 16 buffers at most). */
    private static final int MAX_SPLICES_PER_PASS = 16;
    /**
     * Pipes open at once in this process; a direction that finds them all taken goes on copying. 1,024 pipes of
     * 64 KiB are the 64 MiB Linux lets an unprivileged user hold in pipes (fs.pipe-user-pages-soft, 16,384
     * pages); beyond that the kernel hands out pipes of two pages, which move 8 KiB per call. It also bounds the
     * file descriptors the pipes take (2,048). {@code -Dacrproxy.maxSplicePipes} changes it.
     */
    private static volatile int maxPipes = Integer.getInteger("acrproxy.maxSplicePipes", 1024);
    private static final AtomicInteger OPEN_PIPES = new AtomicInteger();

    private final EpollSocketChannel source;
    private final EpollSocketChannel target;
    private final Listener listener;
    private final FileDescriptor pipeRead;
    private final FileDescriptor pipeWrite;
    private final PipeDrain drain = new PipeDrain();
    /** EPOLLIN was cleared because a drain was queued; set it again when the drain completes. */
    private boolean paused;
    private boolean sourceClosed;
    private boolean targetFailed;
    private boolean pipeClosed;

    SocketSplicer(EpollSocketChannel source, EpollSocketChannel target, Listener listener) throws IOException {
        this.source = source;
        this.target = target;
        this.listener = listener;
        FileDescriptor[] pipe = openPipe();
        this.pipeRead = pipe[0];
        this.pipeWrite = pipe[1];
    }

    /** A new pipe, counted against {@link #maxPipes()}. */
    private static FileDescriptor[] openPipe() throws IOException {
        int max = maxPipes;
        if (OPEN_PIPES.incrementAndGet() > max) {
            OPEN_PIPES.decrementAndGet();
            throw new IOException(max + " splice pipes are open already (-Dacrproxy.maxSplicePipes)");
        }
        try {
            return FileDescriptor.pipe();
        } catch (IOException | RuntimeException e) {
            OPEN_PIPES.decrementAndGet();
            throw e;
        }
    }

    /** Pipes that may be open at once, in the whole process: each is two file descriptors. */
    public static int maxPipes() {
        return maxPipes;
    }

    /**
     * Changes {@link #maxPipes()} for pipes made from now on; returns the old value. For tests of the fallback to
     * copying (0: no direction can splice).
     */
    public static int setMaxPipes(int max) {
        int old = maxPipes;
        maxPipes = max;
        return old;
    }

    /** Pipes open now, in the whole process. */
    public static int openPipes() {
        return OPEN_PIPES.get();
    }

    /** The source's EPOLLIN (or EPOLLRDHUP) handler while spliced; replaces Netty's read loop. */
    void epollInReady(AbstractEpollChannel.AbstractEpollUnsafe unsafe) {
        ChannelConfig config = source.config();
        if (targetFailed || source.shouldBreakEpollInReady(config)) {
            unsafe.clearEpollIn0();
            return;
        }
        long moved = 0;
        boolean eof = false;
        try {
            for (int i = 0; i < MAX_SPLICES_PER_PASS && !targetFailed; i++) { // a failed write ends the pass
                if (drain.queued) {
                    // The target has not taken the pipe's bytes yet: stop reading until it has (drained()).
                    paused = true;
                    unsafe.clearEpollIn0();
                    break;
                }
                if (!config.isAutoRead() && !unsafe.readPending) {
                    break;
                }
                int n = Native.splice(source.socket.intValue(), -1, pipeWrite.intValue(), -1, SPLICE_LEN);
                if (n == 0) {
                    // Nothing there, or EOF; after EPOLLRDHUP only EOF (the pipe is empty: nothing is queued).
                    eof = unsafe.recvBufAllocHandle().isReceivedRdHup();
                    break;
                }
                unsafe.readPending = false;
                moved += n;
                drain.queue(n);
            }
        } catch (IOException e) { // ECONNRESET and the like, from the source socket
            report(moved);
            source.pipeline().fireExceptionCaught(e);
            unsafe.close(unsafe.voidPromise());
            return;
        }
        report(moved);
        if (eof) {
            unsafe.shutdownInput(true);
        } else if (!paused && unsafe.shouldStopReading(config)) {
            unsafe.clearEpollIn0();
        }
    }

    private void report(long moved) {
        if (moved > 0) {
            listener.spliced(moved);
        }
    }

    boolean isPaused() {
        return paused;
    }

    /** Called from the source's doClose(). */
    void sourceClosed() {
        sourceClosed = true;
        if (!drain.queued) {
            closePipe();
        }
    }

    private void closePipe() {
        if (pipeClosed) {
            return;
        }
        pipeClosed = true;
        OPEN_PIPES.decrementAndGet();
        try {
            pipeRead.close();
        } catch (IOException ignored) {
            // closing a pipe end fails only if it is closed already
        }
        try {
            pipeWrite.close();
        } catch (IOException ignored) {
            // as above
        }
    }

    /**
     * The message that moves the pipe's bytes to the target's socket, in the target's write order. One per
     * direction, queued at most once at a time; its promise tells the splicer when the pipe is empty again.
     */
    final class PipeDrain implements ChannelFutureListener {
        private int pending;
        private boolean queued;

        private void queue(int bytes) {
            pending = bytes;
            queued = true;
            ChannelPromise promise = target.newPromise();
            promise.addListener(this);
            target.unsafe().write(this, promise);
            target.unsafe().flush(); // runs writeTo at once unless the target waits for EPOLLOUT already
        }

        /** Called by the target's doWriteSingle while this is the first message of its outbound buffer. */
        int writeTo(io.netty.channel.unix.Socket out, ChannelOutboundBuffer in) throws IOException {
            while (pending > 0) {
                int n = Native.splice(pipeRead.intValue(), -1, out.intValue(), -1, pending);
                if (n == 0) {
                    return WRITE_STATUS_SNDBUF_FULL; // the socket is full: Netty waits for EPOLLOUT
                }
                pending -= n;
                in.progress(n); // the idle timer sees a slow reader's progress in the queue's progress
            }
            in.remove();
            return 1;
        }

        @Override
        public void operationComplete(ChannelFuture future) {
            queued = false;
            if (!future.isSuccess()) {
                targetFailed = true; // the target closed or failed; the relay ends the tunnel
            }
            if (sourceClosed || targetFailed) {
                if (sourceClosed) {
                    closePipe();
                }
                return;
            }
            if (paused) {
                paused = false;
                if (source.config().isAutoRead()) {
                    try {
                        source.setFlag(Native.EPOLLIN);
                    } catch (IOException | RuntimeException e) {
                        source.pipeline().fireExceptionCaught(e);
                        source.unsafe().close(source.unsafe().voidPromise());
                    }
                }
            }
        }
    }
}
