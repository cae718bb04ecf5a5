package io.acrproxy.core.relay;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.observe.ConnectionEnd;
import io.acrproxy.core.observe.ConnectionEvents;
import io.acrproxy.core.observe.TunnelRecord;
import io.acrproxy.core.upstream.ParentConnector;
import io.acrproxy.policy.GroupPolicy;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.source.PolicyHolder;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 8 of a connection (design §8): relays an accepted tunnel, keeps it in {@link OpenTunnels} for
 * {@code revokeOnReload} while it lasts, and records how it ended: byte counts and the access-log line for every
 * tunnel, a log line and a count for a revocation, a warning with the cause for an unexpected error.
 */
public final class RelayStage {
    private static final Logger LOG = LoggerFactory.getLogger(RelayStage.class);

    private final RelaySettings settings;
    private final OpenTunnels tunnels;
    private final PolicyHolder policies;

    /** @param policies the policy in force, against which a tunnel decided by an older one is checked as it starts */
    public RelayStage(RelaySettings settings, OpenTunnels tunnels, PolicyHolder policies) {
        this.settings = settings;
        this.tunnels = tunnels;
        this.policies = policies;
    }

    public RelaySettings settings() {
        return settings;
    }

    /**
     * Starts relaying between the connection's channel and {@code upstream}, which share an event loop; call on it.
     *
     * @param target    the CONNECT target, and {@code sni} the server name of the accepted ClientHello: what a reload
     *                  checks again
     * @param decidedBy the policy that allowed the tunnel, as it applies to the connection's client group
     */
    public void start(ClientConnection connection, Channel upstream, Authority target, String sni, GroupPolicy decidedBy) {
        ConnectionEvents events = connection.events();
        TunnelRecord record = connection.record();
        events.tunnelStarted(record);
        Relay relay = Relay.start(connection.channel(), upstream, null, settings, result -> ended(connection, target, result));
        ParentConnector.releaseHeldBytes(upstream); // what a parent proxy sent behind its 2xx, to the relay's handler
        tunnels.add(new OpenTunnels.Tunnel(relay, target, ((InetSocketAddress) upstream.remoteAddress()).getAddress(), sni,
                connection.clientAddress(), record.user(), record.clientCert(), record), decidedBy.policy(), policies.get());
    }

    /** The access log's {@code end} of a relayed tunnel (design §9.2). */
    static ConnectionEnd end(RelayResult result) {
        boolean client = result.side() == RelayResult.Side.CLIENT;
        return switch (result.outcome()) {
            case COMPLETED -> ConnectionEnd.COMPLETED;
            case IDLE_TIMEOUT -> ConnectionEnd.IDLE_TIMEOUT;
            case REVOKED -> ConnectionEnd.REVOKED;
            case CLOSED_BY_CALLER -> ConnectionEnd.DRAIN;
            case EXPECTED_ERROR -> client ? ConnectionEnd.CLIENT_RESET : ConnectionEnd.UPSTREAM_RESET;
            case UNEXPECTED_ERROR -> ConnectionEnd.RELAY_ERROR;
            case CHANNEL_CLOSED -> client ? ConnectionEnd.CLIENT_CLOSED : ConnectionEnd.UPSTREAM_CLOSED;
        };
    }

    private static void ended(ClientConnection connection, Authority target, RelayResult result) {
        ConnectionEvents events = connection.events();
        switch (result.outcome()) {
            case REVOKED -> {
                events.metrics().tunnelRevoked();
                LOG.info("revokeOnReload: closed the tunnel {} to {}: {}", connection.record(), target, result.reason());
            }
            // Out of direct memory, many tunnels may fail at once: one line a minute, without the stack trace.
            case UNEXPECTED_ERROR -> {
                if (result.cause() instanceof OutOfMemoryError oom) {
                    events.shortages().tunnelFailed("memory", () -> "tunnel " + connection.record() + " to " + target
                            + " could not allocate a buffer on its " + result.side() + " side (" + oom.getMessage() + ")");
                } else {
                    LOG.warn("tunnel {} to {} failed on its {} side after {} bytes up, {} down", connection.record(),
                            target, result.side(), result.bytesUpstream(), result.bytesDownstream(), result.cause());
                }
            }
            default -> { }
        }
        connection.record().end(end(result));
        events.tunnelEnded(connection.record(), result.bytesUpstream(), result.bytesDownstream(), result.duration().toNanos());
        events.closed(connection.record());
    }
}
