package io.acrproxy.core.transport.epoll;

import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoOps;

/**
 * A channel's registration with Netty's {@code EpollIoHandler} that never lets the channel's interest set become empty
 * once it has been added to epoll: an empty set is submitted as {@code EPOLLET} alone.
 *
 * <p>Why: since netty/netty#16689 (4.2.13, still so in 4.2.21), an empty interest set makes Netty remove the file
 * descriptor from epoll ({@code EPOLL_CTL_DEL}) while the registration stays marked as added, so the next interest
 * becomes an {@code EPOLL_CTL_MOD} of a descriptor epoll no longer has: it fails with {@code ENOENT} and Netty shuts
 * the channel's output down. A tunnel meets this whenever a peer sends its FIN (Netty then drops {@code EPOLLIN} and
 * {@code EPOLLRDHUP}) and afterwards receives more than the socket buffers hold (the write asks for
 * {@code EPOLLOUT}): the download was cut short. {@code NettyEpollHalfCloseBugTest} shows it against plain Netty.
 *
 * <p>{@code EPOLLET} alone asks for no event, so epoll reports nothing but hang-up and error, and those edge-triggered,
 * once: the endless wake-ups that made Netty remove such descriptors (netty/netty#16683) cannot happen, and the
 * descriptor stays in epoll, so the next interest is a valid {@code EPOLL_CTL_MOD}. Netty ignores a lone hang-up and
 * handles an error as a failed read, as for any other channel. Costs one {@code epoll_ctl} per such channel: the
 * {@code EPOLL_CTL_DEL} Netty makes when the channel closes, which a descriptor already out of epoll would not need.
 *
 * <p>Submissions come from the channel's event loop (Netty sets interest there), so the fields need no lock.
 */
final class KeptInEpollRegistration implements IoRegistration {
    private static final EpollIoOps NO_EVENTS = EpollIoOps.EPOLLET;

    private final IoRegistration netty;
    /** True once a non-empty set has been submitted: Netty's registration is then in epoll. */
    private boolean added;
    /** The interest set the channel asked for last. */
    private EpollIoOps requested = EpollIoOps.NONE;
    /** While a {@link Splicer} reads the channel, the peer's FIN is seen as an input event (see {@link #maskPeerShutdown}). */
    private boolean peerShutdownMasked;

    KeptInEpollRegistration(IoRegistration netty) {
        this.netty = netty;
    }

    /**
     * Leaves {@code EPOLLRDHUP} out of the interest set while {@code mask} is true. A spliced input must see its EOF
     * as an input event: Netty's answer to {@code EPOLLRDHUP} is its own read loop reading the socket to its end,
     * which would copy what the socket still holds instead of splicing it; and the condition stays reported (epoll is
     * level-triggered) while the splicer waits for the target, so it could not simply be ignored. Event loop only.
     */
    void maskPeerShutdown(boolean mask) {
        if (peerShutdownMasked != mask) {
            peerShutdownMasked = mask;
            if (requested.contains(EpollIoOps.EPOLLRDHUP) && netty.isValid()) {
                submitEffective();
            }
        }
    }

    @Override
    public <T> T attachment() {
        return netty.attachment();
    }

    @Override
    public long submit(IoOps ops) {
        requested = (EpollIoOps) ops;
        return submitEffective();
    }

    private long submitEffective() {
        EpollIoOps ops = peerShutdownMasked ? requested.without(EpollIoOps.EPOLLRDHUP) : requested;
        if (ops.value() == 0) {
            // Before the first ADD an empty set is Netty's no-op ("not added yet"); after it, never a DEL.
            return added ? netty.submit(NO_EVENTS) : netty.submit(ops);
        }
        added = true;
        return netty.submit(ops);
    }

    @Override
    public boolean isValid() {
        return netty.isValid();
    }

    @Override
    public boolean cancel() {
        return netty.cancel();
    }
}
