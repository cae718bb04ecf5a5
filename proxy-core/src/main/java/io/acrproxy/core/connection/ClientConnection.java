package io.acrproxy.core.connection;

import io.acrproxy.core.observe.ConnectionEnd;
import io.acrproxy.core.observe.ConnectionEvents;
import io.acrproxy.core.observe.TunnelRecord;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.net.IpAddresses;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;

/**
 * What the stages of one client connection share (design §2): its access-log record, which each stage fills in,
 * and whether the request has been answered. Every refusal goes through {@link #refuse}, so a connection is answered
 * at most once and every answer is counted once. Event loop only.
 *
 * <p>The record is written when the connection closes, unless a tunnel took it over ({@link #tunnelStarted}): then
 * the tunnel writes it when it ends.
 */
public final class ClientConnection {
    /** {@code Retry-After} of the {@code 503}s and {@code 429}s: long enough for a connection to finish, short enough that a retrying client barely notices. */
    public static final long RETRY_AFTER_SECONDS = 2;

    private final Channel channel;
    private final ConnectionEvents events;
    private final TunnelRecord record;
    private InetSocketAddress client;
    private boolean answered;

    public ClientConnection(Channel channel, ConnectionEvents events) {
        this.channel = channel;
        this.events = events;
        this.client = (InetSocketAddress) channel.remoteAddress();
        this.record = events.newRecord(text(client));
    }

    private static String text(InetSocketAddress address) {
        return IpAddresses.toText(address); // 127.0.0.1:3128, [::1]:60318: as people write them
    }

    public Channel channel() {
        return channel;
    }

    /**
     * The client's address: the TCP peer's, or the one a trusted load balancer reported in the PROXY protocol header
     * (design §2.1). Every stage uses this one: client allowlist, limits, authentication throttling, log, metrics.
     */
    public InetAddress clientAddress() {
        return client.getAddress();
    }

    /** A trusted load balancer reported the client: from now on it is this connection's client (access log too). */
    public void clientReportedAs(InetSocketAddress reported) {
        this.client = reported;
        record.client(text(reported));
    }

    /**
     * The connection asked for nothing (a balancer's health check, a connect that closed without a byte): counted as a
     * probe, not a refusal, and logged only with {@code listen.logProbes}. Closes it.
     */
    public void probe(String kind) {
        if (!answered) {
            answered = true;
            record.probe(kind);
            if (channel.isOpen()) {
                channel.close();
            }
        }
    }

    public TunnelRecord record() {
        return record;
    }

    public ConnectionEvents events() {
        return events;
    }

    /** As {@link #opened(BooleanSupplier)} for a connection whose first bytes nobody watches. */
    public void opened() {
        opened(() -> true);
    }

    /**
     * The connection is accepted (called as its pipeline is made): it counts as open, and its record is written when
     * it closes. A connection that closes unanswered without having sent a byte is a probe ({@code empty}), not a
     * refusal: a TCP health check.
     *
     * @param sentAnything whether the client has sent any byte of a request yet
     */
    public void opened(BooleanSupplier sentAnything) {
        events.opened(record);
        channel.closeFuture().addListener(f -> {
            if (!record.tunnelStarted()) {
                if (!answered && !sentAnything.getAsBoolean()) {
                    record.probe("empty");
                }
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

    /**
     * Refuses for want of the proxy's own resources (design §2.1): {@code 503 resource_exhausted} with
     * {@code Retry-After}, and the once-a-minute warning for {@code resource}, which adds {@code advice} to {@code why}.
     */
    public void refuseShortOf(String resource, String rule, String why, String advice) {
        events.shortages().refused(resource, () -> advice.isEmpty() ? why : why + "; " + advice);
        refuse(Reason.RESOURCE_EXHAUSTED, rule, Refusal.explained(Reason.RESOURCE_EXHAUSTED, 503, why)
                .withRetryAfter(RETRY_AFTER_SECONDS));
    }

    /** As {@link #refuse(Reason, String, Refusal)} with the reason's own status and a phrase from {@code message}. */
    public void refuse(Reason reason, String rule, String message) {
        refuse(reason, rule, Refusal.explained(reason, message));
    }

    /**
     * Records a refusal that cannot be answered in HTTP (a failed TLS handshake on the TLS port: the engine has sent its
     * alert) and closes the connection. {@code detail} is for the access log only.
     */
    public void refuseWithoutAnswer(Reason reason, String rule, String detail) {
        if (!answered) {
            answered = true;
            record.refused(reason, rule);
            record.detail(ResponseText.printable(detail, 300));
            record.end(ConnectionEnd.REFUSED);
            events.decided(record);
        }
        channel.close();
    }

    /**
     * The identity of the client certificate verified on the TLS port (design §2.4), or {@code null} when the client
     * presented none: it selects a client group and is in the access log ({@code client_cert}).
     */
    public void clientCertificate(String identity) {
        record.clientCert(identity);
    }

    /** The verified client certificate's identity, or {@code null}. */
    public String clientCertificate() {
        return record.clientCert();
    }

    /**
     * Sends {@code answer} without ending the request: a {@code 407} challenge that the client may answer on the
     * same connection (design §5.1). It is recorded, and counted only if it stays the connection's outcome: a
     * request that then authenticates counts once, as what it became.
     */
    public void challenge(Reason reason, String rule, Refusal answer) {
        record.refused(reason, rule);
        record.detail(ProxyResponses.reasonPhrase(answer));
        channel.writeAndFlush(ProxyResponses.encode(answer, channel.alloc()));
    }

    private void send(Refusal answer) {
        answered = true;
        record.detail(ProxyResponses.reasonPhrase(answer)); // the same text the client gets
        record.end(ConnectionEnd.REFUSED);
        events.decided(record);
        channel.writeAndFlush(ProxyResponses.encode(answer, channel.alloc())).addListener(ChannelFutureListener.CLOSE);
    }
}
