package io.acrproxy.core.observe;

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
        accessLog.write(r);
    }

    /**
     * Lists a refused CONNECT target in {@code /blocked}. Requests without a parsed target (plain HTTP, a malformed
     * request, refusals before the head) are counted but not listed.
     */
    private void block(TunnelRecord r, boolean wouldDeny) {
        Authority a = r.authority;
        if (a != null) {
            String host = a.host() instanceof IpLiteral ip ? ip.text() : a.host().text();
            blocked.record(host, a.port(), r.group, r.reason.code(), wouldDeny, r.client, clock.instant());
        }
    }
}
