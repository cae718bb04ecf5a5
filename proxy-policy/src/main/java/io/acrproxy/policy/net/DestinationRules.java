package io.acrproxy.policy.net;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * {@code destinations:} plus the proxy's own listening addresses (design §6.5), as judged by
 * {@link AddressClassifier}.
 *
 * @param denyRanges   the ranges to refuse; {@link #defaultDenyRanges()} for {@code denyRanges: default}. An
 *                     explicit list replaces the default list, except that {@link #AZURE_PLATFORM_ADDRESS} is
 *                     refused whatever the list says
 * @param allowPrivate when false, {@link #PRIVATE_RANGE_TEXTS} (RFC 1918 and {@code fc00::/7}) are refused too
 * @param ownAddresses the proxy's own listening addresses and ports: concrete addresses, not wildcards, since a
 *                     wildcard only equals itself
 */
public record DestinationRules(List<Cidr> denyRanges, boolean allowPrivate, Set<InetSocketAddress> ownAddresses) {
    /** {@code denyRanges: default} (design §6.5), as written in the config. */
    public static final List<String> DEFAULT_DENY_RANGE_TEXTS = List.of(
            "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10", "224.0.0.0/4", "240.0.0.0/4",
            "255.255.255.255/32", "::/128", "::1/128", "fe80::/10", "ff00::/8");

    /** Refused when {@code allowPrivate} is false: RFC 1918 and RFC 4193 unique local addresses. */
    public static final List<String> PRIVATE_RANGE_TEXTS = List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7");

    /**
     * Azure's platform address (WireServer, the host's DNS and DHCP relay, health probes), reachable from every VM
     * and never a registry: always refused, whatever {@code denyRanges} says.
     */
    public static final String AZURE_PLATFORM_ADDRESS = "168.63.129.16";

    public DestinationRules {
        denyRanges = List.copyOf(denyRanges);
        ownAddresses = Set.copyOf(ownAddresses);
    }

    public static List<Cidr> defaultDenyRanges() {
        return DEFAULT_DENY_RANGE_TEXTS.stream().map(Cidr::parse).toList();
    }

    public static DestinationRules defaults() {
        return new DestinationRules(defaultDenyRanges(), true, Set.of());
    }

    public DestinationRules withOwnAddresses(Set<InetSocketAddress> own) {
        return new DestinationRules(denyRanges, allowPrivate, Objects.requireNonNull(own, "own"));
    }
}
