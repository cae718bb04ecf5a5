package io.acrproxy.core.connection;

import io.acrproxy.core.observe.ConnectionEvents;
import io.acrproxy.core.observe.TunnelRecord;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Reason;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * What the stages of one client connection share (design §2): its access-log record, which each stage fills in,
 * and whether the request has been answered. Every refusal goes through {@link #refuse}, so a connection is answered
 * at most once and every answer is counted once. Event loop only.
 *
 * <p>The record is written when the connection closes, unless a tunnel took it over ({@link #tunnelStarted}): then
 * the tunnel writes it when it ends.
 */
public final class ClientConnection {
    private final Channel channel;
    private final ConnectionEvents events;
    private final TunnelRecord record;
    private boolean answered;

    public ClientConnection(Channel channel, ConnectionEvents events) {
        this.channel = channel;
        this.events = events;
        InetSocketAddress remote = (InetSocketAddress) channel.remoteAddress();
        this.record = events.newRecord(remote.getAddress().getHostAddress() + ":" + remote.getPort());
    }

    public Channel channel() {
        return channel;
    }

    public InetAddress clientAddress() {
        return ((InetSocketAddress) channel.remoteAddress()).getAddress();
    }

    public TunnelRecord record() {
        return record;
    }

    public ConnectionEvents events() {
        return events;
    }

    /** The connection is accepted: it counts as open, and its record is written when it closes. */
    public void opened() {
        events.opened(record);
        channel.closeFuture().addListener(f -> {
            if (!record.tunnelStarted()) {
                events.closed(record);
            }
        });
    }

    /** True once a refusal or the {@code 200} has been sent: no stage answers again. */
    public boolean isAnswered() {
        return answered;
    }

    /**
     * The {@code 200} is being sent and the tunnel owns the record from now on: it is written when the tunnel ends,
     * or when the connection closes before a relay started.
     */
    public void tunnelStarted() {
        answered = true;
        record.markTunnelStarted();
    }

    /** Records {@code decision} as the outcome and answers with its reason's status and message. */
    public void refuse(Decision decision) {
        if (!answered) {
            record.decision(decision);
            send(Refusal.explained(decision.reason(), decision.message()));
        }
    }

    /**
     * Records a refusal that is not a policy decision (malformed request, timeout, DNS, connect...) and answers it.
     *
     * @param rule what refused it, for the access log's {@code rule} field, e.g. {@code timeouts.requestHeader}
     */
    public void refuse(Reason reason, String rule, Refusal answer) {
        if (!answered) {
            record.refused(reason, rule);
            send(answer);
        }
    }

    /** As {@link #refuse(Reason, String, Refusal)} with the reason's own status and a phrase from {@code message}. */
    public void refuse(Reason reason, String rule, String message) {
        refuse(reason, rule, Refusal.explained(reason, message));
    }

    /**
     * Sends {@code answer} without ending the request: a {@code 407} challenge that the client may answer on the
     * same connection (design §5.1). It is recorded, and counted only if it stays the connection's outcome: a
     * request that then authenticates counts once, as what it became.
     */
    public void challenge(Reason reason, String rule, Refusal answer) {
        record.refused(reason, rule);
        channel.writeAndFlush(ProxyResponses.encode(answer, channel.alloc()));
    }

    private void send(Refusal answer) {
        answered = true;
        events.decided(record);
        channel.writeAndFlush(ProxyResponses.encode(answer, channel.alloc())).addListener(ChannelFutureListener.CLOSE);
    }
}
