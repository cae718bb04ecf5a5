package io.acrproxy.core.relay;

import io.acrproxy.core.observe.TunnelRecord;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.GroupPolicy;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.host.Authority;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tunnels that are relaying, with what allowed them: target, upstream address and the ClientHello's
 * server name. With {@code revokeOnReload} (design §6.6), {@link #revoke} closes after a policy reload those the new
 * policy no longer allows and leaves every other tunnel untouched; and a tunnel that was decided by an older policy
 * than the one in force when it starts relaying (a reload came while it connected or sent its ClientHello, and
 * {@link #revoke} ran before it was here) is checked against the one in force as it is added.
 */
public final class OpenTunnels {
    /**
     * One relaying tunnel, with what chose its client group (address, user and client certificate, design §6.7) and
     * the record that says, when it is revoked, why.
     */
    public record Tunnel(Relay relay, Authority target, InetAddress upstream, String sni, InetAddress clientAddress,
                         String user, String clientCert, TunnelRecord record) {
        Channel client() {
            return relay.client();
        }
    }

    /**
     * Keyed by the relay, whose hash is its identity: a record's own hash would combine every component's on each
     * add and remove, a few per cent of a tunnel set-up's Java time when measured.
     */
    private final Map<Relay, Tunnel> tunnels = new ConcurrentHashMap<>();
    private final boolean revokeOnReload;

    /** @param revokeOnReload {@code revokeOnReload}: whether a reload closes the tunnels it no longer allows */
    public OpenTunnels(boolean revokeOnReload) {
        this.revokeOnReload = revokeOnReload;
    }

    /**
     * Tracks {@code t} until its client channel closes.
     *
     * @param decidedBy the policy that allowed it
     * @param inForce   the policy in force now; when it is a newer one that no longer allows the tunnel, the tunnel is
     *                  revoked at once
     */
    public void add(Tunnel t, Policy decidedBy, Policy inForce) {
        tunnels.put(t.relay(), t);
        t.client().closeFuture().addListener(f -> tunnels.remove(t.relay()));
        // Put first, then look at the policy: a reload swaps the policy before it iterates, so it either sees this
        // tunnel or has swapped already, and then the check below sees the new policy.
        if (revokeOnReload && inForce != decidedBy) {
            Decision refusal = refusal(inForce, t);
            if (refusal != null) {
                revoke(t, inForce, refusal);
            }
        }
    }

    public int size() {
        return tunnels.size();
    }

    /**
     * Bytes the open tunnels have read and not yet written, summed over both channels of each: what they hold in
     * direct memory toward readers slower than their senders (each channel at most its high water mark plus one read,
     * design §8). Thread-safe: each channel's queue keeps its total in a volatile field. Costs one pass over the
     * tunnels; {@code MemoryGuard} takes it only while direct memory is short.
     */
    public long queuedBytes() {
        long bytes = 0;
        for (Relay relay : tunnels.keySet()) {
            bytes += FlushThen.queuedBytes(relay.client()) + FlushThen.queuedBytes(relay.upstream());
        }
        return bytes;
    }

    /**
     * Revokes ({@link Relay#revoke}) every tunnel whose target, upstream address or server name {@code policy} would
     * refuse now, judged by the policy of the tunnel's client group in {@code policy} (so editing one group's allowlist
     * touches only that group's tunnels); each is logged and counted as a revocation when its relay ends, on its own
     * event loop. Thread-safe.
     *
     * @return how many were closed
     */
    public int revoke(Policy policy) {
        if (!revokeOnReload) {
            return 0;
        }
        int revoked = 0;
        for (Tunnel t : tunnels.values()) {
            Decision refusal = refusal(policy, t);
            if (refusal != null) {
                revoke(t, policy, refusal);
                revoked++;
            }
        }
        return revoked;
    }

    private void revoke(Tunnel t, Policy policy, Decision refusal) {
        // Written here, read on the tunnel's event loop after Relay.revoke hands the end over to it.
        t.record().revoked(refusal);
        t.relay().revoke("policy " + policy.version() + " no longer allows it (" + refusal.message() + ")");
        tunnels.remove(t.relay());
    }

    /** What {@code policy} says against the tunnel now, or {@code null} when it still allows it. */
    static Decision refusal(Policy policy, Tunnel t) {
        GroupPolicy group = policy.select(t.clientAddress(), t.user(), t.clientCert());
        Decision target = group.decide(t.target());
        if (!target.permits()) {
            return target;
        }
        Decision address = group.decideResolved(t.target(), t.upstream());
        if (!address.permits()) {
            return address;
        }
        // An IP-literal tunnel was allowed by its server name (design §6.4); a name tunnel's SNI equals its host.
        if (t.target().isIpLiteral()) {
            Decision sni = group.decideSni(t.target(), t.sni());
            return sni.permits() ? null : sni;
        }
        return null;
    }
}
