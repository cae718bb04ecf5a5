package io.acrproxy.core.observe;

import io.acrproxy.policy.Reason;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.host.IpLiteral;
import java.time.Clock;
import java.util.function.LongSupplier;

/**
 * Where a connection's outcome goes: metrics when it is decided, and the access log, byte counts and
 * gauges when it ends. The data plane calls these at a few fixed points; each record is counted once.
 */
public final class ConnectionEvents {
    /**
     * The kinds of probe: {@code proxy_local}, a balancer's own connection (a PROXY protocol {@code LOCAL} or
     * {@code UNKNOWN} header, its health check); {@code empty}, a TCP connect that closed without sending a byte.
     */
    public static final java.util.List<String> PROBE_KINDS = java.util.List.of("proxy_local", "empty");

    private final AccessLog accessLog;
    private final ProxyMetrics metrics;
    private final BlockedTargets blocked;
    private final Clock clock;
    private final LongSupplier nanoClock;
    private final boolean logProbes;
    private final ShortageWarnings shortages = new ShortageWarnings();
    /** Set when the drain's time is over and the remaining connections are being closed (design §8.5). */
    private volatile boolean closingForDrain;

    /**
     * @param clock     wall time, for the access log's {@code ts} and {@code /blocked}
     * @param nanoClock monotonic time, for durations
     */
    public ConnectionEvents(AccessLog accessLog, ProxyMetrics metrics, BlockedTargets blocked, Clock clock,
            LongSupplier nanoClock) {
        this(accessLog, metrics, blocked, clock, nanoClock, false);
    }

    /** @param logProbes {@code listen.logProbes}: probes get an access-log line too ({@code "decision":"probe"}) */
    public ConnectionEvents(AccessLog accessLog, ProxyMetrics metrics, BlockedTargets blocked, Clock clock,
            LongSupplier nanoClock, boolean logProbes) {
        this.accessLog = accessLog;
        this.metrics = metrics;
        this.blocked = blocked;
        this.clock = clock;
        this.nanoClock = nanoClock;
        this.logProbes = logProbes;
    }

    /** The record of a new client connection from {@code client} ({@code address:port}). */
    public TunnelRecord newRecord(String client) {
        return new TunnelRecord(clock.instant(), nanoClock.getAsLong()).client(client);
    }

    /** Now, on the monotonic clock, for measuring durations. */
    public long nanoTime() {
        return nanoClock.getAsLong();
    }

    /** The once-a-minute warnings for connections refused for want of memory or file descriptors. */
    public ShortageWarnings shortages() {
        return shortages;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public AccessLog accessLog() {
        return accessLog;
    }

    public BlockedTargets blocked() {
        return blocked;
    }

    public void opened(TunnelRecord r) {
        metrics.connectionOpened();
    }

    /**
     * The request's outcome is known: refused (denied or failed), or allowed and relaying. Later calls for
     * the same record do nothing.
     */
    public void decided(TunnelRecord r) {
        if (r.counted || r.reason == null) {
            return;
        }
        r.counted = true;
        switch (r.decision) {
            case "allow" -> metrics.allowed(r.group, null);
            case "would_deny" -> {
                metrics.allowed(r.group, r.reason);
                block(r, true);
            }
            case "error" -> metrics.failed(r.group, r.reason);
            default -> {
                metrics.denied(r.group, r.reason);
                block(r, false);
            }
        }
    }

    public void tunnelStarted(TunnelRecord r) {
        r.relaying = true;
        metrics.tunnelStarted();
    }

    public void tunnelEnded(TunnelRecord r, long up, long down, long durationNanos) {
        r.bytes(up, down);
        if (r.relaying) {
            r.relaying = false;
            metrics.tunnelEnded(up, down, durationNanos);
        }
    }

    /**
     * The client connection is gone: the access-log line, once. A probe (the connection asked for nothing) is counted
     * as one and gets no line unless {@code listen.logProbes} asks for it.
     */
    public void closed(TunnelRecord r) {
        if (r.written) {
            return;
        }
        metrics.connectionClosed();
        r.end = end(r);
        if (r.probe != null) {
            r.written = true;
            metrics.probe(r.probe);
            if (logProbes) {
                r.written = false;
                accessLog.write(r);
            }
            return;
        }
        decided(r);
        metrics.connectionEnded(r.end);
        accessLog.write(r);
    }

    /**
     * The drain's time is over: the connections still open are about to be closed, and each that ends by going away
     * from now on ended because of the drain.
     */
    public void closingForDrain() {
        closingForDrain = true;
    }

    /** How {@code r} ended: what a stage recorded, else what its state shows (design §9.2). */
    private ConnectionEnd end(TunnelRecord r) {
        ConnectionEnd end = r.end;
        if (end == null) {
            if (r.probe != null || r.reason == null) {
                end = ConnectionEnd.CLIENT_CLOSED_BEFORE_REQUEST;
            } else if (r.decision.equals("deny") || r.decision.equals("error")) {
                end = r.reason == Reason.CLIENT_HELLO_TIMEOUT ? ConnectionEnd.HELLO_TIMEOUT
                        : ConnectionEnd.REFUSED;
            } else if (r.tunnelStarted) {
                end = ConnectionEnd.CLOSED_BEFORE_HELLO;
            } else {
                end = ConnectionEnd.CLIENT_CLOSED_BEFORE_ANSWER;
            }
        }
        return closingForDrain && end.isAClose() ? ConnectionEnd.DRAIN : end;
    }

    /**
     * Lists a refused CONNECT target in {@code /blocked}. Requests without a parsed target (plain HTTP, a malformed
     * request, refusals before the head) are counted but not listed.
     */
    private void block(TunnelRecord r, boolean wouldDeny) {
        Authority a = r.authority;
        if (a != null) {
            String host = a.host() instanceof IpLiteral ip ? ip.text() : a.host().text();
            blocked.record(host, a.port(), r.group, r.reason.code(), wouldDeny, r.client, r.clientCert, clock.instant());
        }
    }
}
