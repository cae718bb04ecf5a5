package io.acrproxy.core;

import io.acrproxy.core.accept.ConnectionLimits;
import io.acrproxy.core.accept.ProxyProtocolSettings;
import io.acrproxy.core.auth.ProxyAuthenticator;
import io.acrproxy.core.inspect.InspectSettings;
import io.acrproxy.core.observe.ConnectionEvents;
import io.acrproxy.core.relay.OpenTunnels;
import io.acrproxy.core.relay.RelaySettings;
import io.acrproxy.core.request.RequestSettings;
import io.acrproxy.core.upstream.Upstreams;
import io.acrproxy.policy.source.PolicyHolder;
import io.netty.channel.group.ChannelGroup;
import java.util.Objects;

/**
 * What the stages of every client connection share, in the order the stages use it: services (the policy in force,
 * limits, the resolver and connector, the open tunnels, where outcomes go) and each stage's settings as a small
 * typed record.
 *
 * @param policies      the policy in force; swapped by reloads
 * @param events        metrics, access log and {@code /blocked}
 * @param proxyProtocol {@code listen.proxyProtocol}, or {@code null} when the clients connect directly
 * @param limits        {@code limits.maxConnections} and {@code limits.maxConnectionsPerClient}
 * @param clients       every open client connection, for the drain at shutdown
 * @param request       {@code timeouts.requestHeader}, {@code limits.maxHeaderBytes}
 * @param authenticator Basic proxy authentication, or {@code null} when {@code auth.users} is empty
 * @param upstreams     how targets are reached: resolver, connector, routes and parent proxies
 * @param inspect       the {@code sni} section
 * @param relay         {@code timeouts.idle} and the {@code relay} section
 * @param tunnels       the relaying tunnels, for {@code revokeOnReload}
 */
public record DataPlane(
        PolicyHolder policies,
        ConnectionEvents events,
        ProxyProtocolSettings proxyProtocol,
        ConnectionLimits limits,
        ChannelGroup clients,
        RequestSettings request,
        ProxyAuthenticator authenticator,
        Upstreams upstreams,
        InspectSettings inspect,
        RelaySettings relay,
        OpenTunnels tunnels) {

    public DataPlane {
        Objects.requireNonNull(policies, "policies");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(clients, "clients");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(upstreams, "upstreams");
        Objects.requireNonNull(inspect, "inspect");
        Objects.requireNonNull(relay, "relay");
        Objects.requireNonNull(tunnels, "tunnels");
    }
}
