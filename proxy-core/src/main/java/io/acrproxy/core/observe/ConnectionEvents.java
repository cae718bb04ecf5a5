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
    private final AccessLog accessLog;
    private final ProxyMetrics metrics;
    private final BlockedTargets blocked;
    private final Clock clock;
    private final LongSupplier nanoClock;

    /**
     * @param clock     wall time, for the access log's {@code ts} and {@code /blocked}
     * @param nanoClock monotonic time, for durations
     */
    public ConnectionEvents(AccessLog accessLog, ProxyMetrics metrics, BlockedTargets blocked, Clock clock,
            LongSupplier nanoClock) {
        this.accessLog = accessLog;
        this.metrics = metrics;
        this.blocked = blocked;
        this.clock = clock;
        this.nanoClock = nanoClock;
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
            case "allow" -> metrics.allowed(null);
            case "would_deny" -> {
                metrics.allowed(r.reason);
                block(r, true);
            }
            case "error" -> metrics.failed(r.reason);
            default -> {
                metrics.denied(r.reason);
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

    /** The client connection is gone: the access-log line, once. */
    public void closed(TunnelRecord r) {
        if (r.written) {
            return;
        }
        decided(r);
        metrics.connectionClosed();
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
            blocked.record(host, a.port(), r.reason.code(), wouldDeny, r.client, clock.instant());
        }
    }
}
