package io.acrproxy.core.observe;

import io.acrproxy.policy.Reason;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.host.InvalidHostException;
import io.acrproxy.policy.host.IpLiteral;
import java.time.Clock;

/**
 * Where a connection's outcome goes: metrics when it is decided, and the access log, byte counts and
 * gauges when it ends. The data plane calls these at a few fixed points; each record is counted once.
 */
public final class ConnectionEvents {
    private final AccessLog accessLog;
    private final ProxyMetrics metrics;
    private final BlockedTargets blocked;
    private final Clock clock;

    public ConnectionEvents(AccessLog accessLog, ProxyMetrics metrics, BlockedTargets blocked, Clock clock) {
        this.accessLog = accessLog;
        this.metrics = metrics;
        this.blocked = blocked;
        this.clock = clock;
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

    private void block(TunnelRecord r, boolean wouldDeny) {
        if (r.target == null || r.reason == Reason.MALFORMED_REQUEST) {
            return;
        }
        try {
            Authority a = Authority.parse(r.target);
            String host = a.host() instanceof IpLiteral ip ? ip.text() : a.host().text();
            blocked.record(host, a.port(), r.reason.code(), wouldDeny, r.client, clock.instant());
        } catch (InvalidHostException e) {
            // Plain-HTTP requests carry a URL, not host:port; they are counted, but not listed as a target.
        }
    }
}
