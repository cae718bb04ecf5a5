package io.acrproxy.core.upstream;

import io.acrproxy.core.dns.HostResolver;
import io.acrproxy.policy.route.Routes;
import java.util.Objects;

/**
 * How the upstream stage reaches an allowed target (design §2 stage 6, §2.3).
 *
 * @param resolver  {@code resolver.hosts}, then DNS: for direct targets, and for parent proxies given by name
 * @param connector the TCP connect, to a target or a parent
 * @param routes    which targets go direct and which through which parents
 * @param parents   the parent connections, or {@code null} when no parents are configured
 */
public record Upstreams(HostResolver resolver, Connector connector, Routes routes, ParentConnector parents) {
    public Upstreams {
        Objects.requireNonNull(resolver, "resolver");
        Objects.requireNonNull(connector, "connector");
        Objects.requireNonNull(routes, "routes");
        if (routes.hasParents() && parents == null) {
            throw new IllegalArgumentException("routes through parents need a ParentConnector");
        }
    }

    /** Direct connections only. */
    public static Upstreams direct(HostResolver resolver, Connector connector) {
        return new Upstreams(resolver, connector, Routes.direct(), null);
    }
}
