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
 * <p>The end of a spliced stream goes to Netty whole, so it looks exactly like the end of a copied one: when the
 * splicer finds the input at its end ({@link Splicer#read} returns false) the input event goes on to Netty's read loop,
 * which reads the EOF and fires the input shutdown; an error ({@code EPOLLERR}) ends the splicing and goes to Netty,
 * which reads it and fires the exception. While spliced, the peer's FIN is not asked for separately
 * ({@link KeptInEpollRegistration#maskPeerShutdown}): the EOF is seen as input.
 */
final class SpliceableHandle implements EpollIoHandle {
    private static final int EPOLLIN = EpollIoOps.EPOLLIN.value();
    private static final int EPOLLOUT = EpollIoOps.EPOLLOUT.value();
    private static final int ENDS_SPLICING = EpollIoOps.EPOLLRDHUP.value() | EpollIoOps.EPOLLERR.value();
    private static final EpollIoEvent OUTPUT_ONLY = () -> EpollIoOps.EPOLLOUT;
    private static final EpollIoEvent INPUT_ONLY = () -> EpollIoOps.EPOLLIN;

    private final EpollIoHandle netty;
    private final Runnable onUnregistered;
    private KeptInEpollRegistration registration;
    private Splicer splicer;

    SpliceableHandle(EpollIoHandle netty, Runnable onUnregistered) {
        this.netty = netty;
        this.onUnregistered = onUnregistered;
    }

    void registered(KeptInEpollRegistration registration) {
        this.registration = registration;
    }

    /** From now on input events go to {@code splicer} (event loop only). */
    void readBy(Splicer splicer) {
        if (this.splicer != null) {
            throw new IllegalStateException("input is spliced already");
        }
        this.splicer = splicer;
        registration.maskPeerShutdown(true);
    }

    /** The splicer no longer reads: events go to Netty whole again, the peer's FIN included. */
    void splicingEnded() {
        registration.maskPeerShutdown(false);
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
        if ((ops & EPOLLIN) != 0 && !s.read()) {
            netty.handle(registration, INPUT_ONLY); // the end of the input: Netty reads the EOF
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
