package io.acrproxy.core.connect;

import io.acrproxy.core.auth.ProxyAuthenticator;
import io.acrproxy.core.dns.HostResolver;
import io.acrproxy.core.observe.ConnectionEvents;
import io.acrproxy.core.tunnel.OpenTunnels;
import io.acrproxy.core.tunnel.RelaySettings;
import io.acrproxy.core.tunnel.UpstreamConnector;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.source.PolicyHolder;
import io.netty.channel.group.ChannelGroup;
import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * What every connection handler shares: the policy in force, the resolver, the upstream connector, where
 * outcomes go (metrics, access log, blocked table), the limits and timeouts, and the group of open client channels (for draining on shutdown).
 *
 * @param authenticator        Basic proxy authentication, or {@code null} when {@code auth.users} is empty
 * @param authRealm            {@code auth.realm}
 * @param requestHeaderTimeout {@code timeouts.requestHeader}: the whole head must arrive within it (408)
 * @param maxHeaderBytes       {@code limits.maxHeaderBytes} (431)
 * @param inspectTimeout       {@code sni.inspectTimeout}: the ClientHello must arrive within it after 200
 * @param maxClientHelloBytes  {@code sni.maxClientHelloBytes}
 * @param relay                {@code timeouts.idle} and the {@code relay} section
 */
public record DataPlane(
        PolicyHolder policies,
        HostResolver resolver,
        UpstreamConnector connector,
        ConnectionEvents events,
        OpenTunnels tunnels,
        ConnectionLimits limits,
        ProxyAuthenticator authenticator,
        String authRealm,
        ChannelGroup clients,
        Clock clock,
        LongSupplier nanoClock,
        Duration requestHeaderTimeout,
        int maxHeaderBytes,
        Duration inspectTimeout,
        int maxClientHelloBytes,
        RelaySettings relay) {

    public Policy policy() {
        return policies.get();
    }
}
