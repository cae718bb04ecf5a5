package io.acrproxy.core.observe;

import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.host.Authority;
import java.time.Instant;

/**
 * What one client connection did, gathered while it runs and written once as an access-log line when it
 * ends (design §9.2). Confined to the connection's event loop, so it needs no synchronisation.
 */
public final class TunnelRecord {
    final Instant start;
    final long startNanos;
    String client = "";
    String user;
    /** The verified client certificate's identity on the TLS port (design §2.4), or {@code null}. */
    String clientCert;
    /** The client group whose policy applied (design §6.7); {@code default} for the top-level policy. */
    String group = io.acrproxy.policy.ClientGroupSpec.DEFAULT;
    String method;
    String target;
    /** The CONNECT target once it parsed: what {@code /blocked} lists. */
    Authority authority;
    String sni;
    String decision = "deny";
    Reason reason;
    String rule;
    /** The text the client was answered with (a refusal's reason phrase), or the refusing decision's message. */
    String detail;
    /** How the connection ended; set where it is known, else derived when the line is written. */
    ConnectionEnd end;
    String upstream;
    long bytesUp;
    long bytesDown;
    String policyVersion;
    boolean written;
    boolean tunnelStarted;
    boolean counted;
    boolean relaying;
    /** Set when the connection asked for nothing: the kind of probe (see {@link ConnectionEvents#PROBE_KINDS}). */
    String probe;

    public TunnelRecord(Instant start, long startNanos) {
        this.start = start;
        this.startNanos = startNanos;
    }

    public TunnelRecord client(String v) { client = v; return this; }
    public TunnelRecord user(String v) { user = v; return this; }
    public TunnelRecord clientCert(String v) { clientCert = v; return this; }
    public TunnelRecord group(String v) { group = v; return this; }
    public TunnelRecord method(String v) { method = v; return this; }
    public TunnelRecord target(String v) { target = v; return this; }
    public TunnelRecord authority(Authority v) { authority = v; return this; }
    public TunnelRecord sni(String v) { sni = v; return this; }
    public TunnelRecord upstream(String v) { upstream = v; return this; }
    public TunnelRecord policyVersion(String v) { policyVersion = v; return this; }

    public TunnelRecord bytes(long up, long down) {
        bytesUp = up;
        bytesDown = down;
        return this;
    }

    /**
     * A reload withdrew the permission of this tunnel (design §6.6): the line says {@code "decision":"revoked"} with
     * the new policy's reason and rule. The connection was counted as allowed when its tunnel started, and stays so.
     */
    public TunnelRecord revoked(Decision d) {
        decision = "revoked";
        reason = d.reason();
        rule = d.rule();
        detail = d.message();
        return this;
    }

    /** What the client was told (the reason phrase it got), for the access log's {@code detail}. */
    public TunnelRecord detail(String v) { detail = v; return this; }

    /** How the connection ended, where the stage that saw it end knows best (the relay, the drain). */
    public TunnelRecord end(ConnectionEnd v) { end = v; return this; }

    public ConnectionEnd end() {
        return end;
    }

    public String detail() {
        return detail;
    }

    /** Records a policy decision: its verdict, reason and rule become the line's decision fields. */
    public TunnelRecord decision(Decision d) {
        decision = d.verdict().code();
        reason = d.reason();
        rule = d.rule();
        // A refusal's or a would-denial's explanation; an allowed tunnel's line needs none.
        detail = d.reason() == Reason.ALLOWED ? null : d.message();
        return this;
    }

    /** Records a refusal or failure that is not a policy decision (malformed request, DNS, connect...). */
    public TunnelRecord refused(Reason r, String detail) {
        decision = r == Reason.ALLOWED ? "allow" : (isFailure(r) ? "error" : "deny");
        reason = r;
        rule = detail;
        return this;
    }

    /** Upstream and DNS failures and internal errors are errors, not denials: the policy allowed the request. */
    private static boolean isFailure(Reason r) {
        return r == Reason.INTERNAL_ERROR || ProxyMetrics.isUpstreamFailure(r);
    }

    /**
     * The connection asked for nothing: a health check. Its line, if it gets one, says {@code "decision":"probe"} and
     * the kind as its rule.
     */
    public TunnelRecord probe(String kind) {
        probe = kind;
        decision = "probe";
        reason = null;
        rule = kind;
        return this;
    }

    public boolean isProbe() {
        return probe != null;
    }

    /** From now on the tunnel, not the request handler, writes this record when it ends. */
    public TunnelRecord markTunnelStarted() {
        tunnelStarted = true;
        return this;
    }

    public boolean tunnelStarted() {
        return tunnelStarted;
    }

    public Reason reason() {
        return reason;
    }

    public String rule() {
        return rule;
    }

    public String group() {
        return group;
    }

    public String user() {
        return user;
    }

    public String clientCert() {
        return clientCert;
    }

    public String method() {
        return method;
    }

    public String target() {
        return target;
    }

    public String sni() {
        return sni;
    }

    public String upstream() {
        return upstream;
    }

    public String policyVersion() {
        return policyVersion;
    }

    public String decisionCode() {
        return decision;
    }

    @Override
    public String toString() {
        return client + " " + method + " " + target;
    }
}
