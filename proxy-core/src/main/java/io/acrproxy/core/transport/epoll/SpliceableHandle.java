package io.acrproxy.core.transport.epoll;

import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;

/**
 * Stands between Netty's epoll loop and a channel's own handle (its {@code unsafe()}). Normally it passes every event
 * on. While a {@link Splicer} reads the channel, an input event goes to the splicer instead of Netty's read loop;
 * everything else still goes to Netty, in Netty's order (output first, then input, then the peer's FIN).
 *
 * <p>The peer's FIN ({@code EPOLLRDHUP}) and errors ({@code EPOLLERR}) end the splicing and go to Netty whole: its read
 * loop reads what is left in the socket by copying, reads the EOF or the error, and fires the usual pipeline events
 * (input shutdown, exception), so the end of a spliced stream looks exactly like the end of a copied one. The bytes it
 * reads are written to the target after the pipe's, so nothing is reordered.
 */
final class SpliceableHandle implements EpollIoHandle {
    private static final int EPOLLIN = EpollIoOps.EPOLLIN.value();
    private static final int EPOLLOUT = EpollIoOps.EPOLLOUT.value();
    private static final int ENDS_SPLICING = EpollIoOps.EPOLLRDHUP.value() | EpollIoOps.EPOLLERR.value();
    private static final EpollIoEvent OUTPUT_ONLY = () -> EpollIoOps.EPOLLOUT;

    private final EpollIoHandle netty;
    private final Runnable onUnregistered;
    private Splicer splicer;

    SpliceableHandle(EpollIoHandle netty, Runnable onUnregistered) {
        this.netty = netty;
        this.onUnregistered = onUnregistered;
    }

    /** From now on input events go to {@code splicer} (event loop only). */
    void readBy(Splicer splicer) {
        if (this.splicer != null) {
            throw new IllegalStateException("input is spliced already");
        }
        this.splicer = splicer;
    }

    boolean isReadBySplicer() {
        return splicer != null && !splicer.isReadingDone();
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        Splicer s = splicer;
        if (s == null || s.isReadingDone()) {
            netty.handle(registration, event);
            return;
        }
        int ops = ((EpollIoEvent) event).ops().value();
        if ((ops & ENDS_SPLICING) != 0) {
            s.readingDone();
            netty.handle(registration, event);
            return;
        }
        if ((ops & EPOLLOUT) != 0) {
            netty.handle(registration, OUTPUT_ONLY);
        }
        if ((ops & EPOLLIN) != 0) {
            s.read();
        }
    }

    @Override
    public FileDescriptor fd() {
        return netty.fd();
    }

    @Override
    public void registered() {
        netty.registered();
    }

    @Override
    public void unregistered() {
        onUnregistered.run();
        netty.unregistered();
    }

    @Override
    public void close() throws Exception {
        netty.close();
    }

    @Override
    public String toString() {
        return netty.toString();
    }
}
