package io.acrproxy.core.accept;

import io.acrproxy.policy.net.CidrSet;
import java.time.Duration;
import java.util.Objects;

/**
 * {@code listen.proxyProtocol} (design §2.1): the load balancers whose PROXY protocol header names the client.
 *
 * @param trustedFrom   the balancers' source addresses; from them the header is required, from anyone else refused
 * @param headerTimeout the header must arrive within it ({@code timeouts.requestHeader})
 */
public record ProxyProtocolSettings(CidrSet trustedFrom, Duration headerTimeout) {
    public ProxyProtocolSettings {
        Objects.requireNonNull(trustedFrom, "trustedFrom");
        Objects.requireNonNull(headerTimeout, "headerTimeout");
    }
}
