package io.acrproxy.policy.net;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

/**
 * {@code destinations:} plus the proxy's own listening addresses (SPEC §6.5).
 *
 * @param denyRanges   the ranges to refuse; {@link #DEFAULT_DENY_RANGES} for {@code denyRanges: default}
 * @param allowPrivate when false, RFC 1918 and {@code fc00::/7} are refused too
 * @param ownAddresses the proxy's own listening addresses and ports (concrete addresses, not wildcards)
 */
public record DestinationRules(List<Cidr> denyRanges, boolean allowPrivate, Set<InetSocketAddress> ownAddresses) {
    /** STUB: filled by the implementation. */
    public static final List<String> DEFAULT_DENY_RANGE_TEXTS = List.of(
            "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10", "224.0.0.0/4", "240.0.0.0/4",
            "255.255.255.255/32", "::/128", "::1/128", "fe80::/10", "ff00::/8");

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
        return new DestinationRules(denyRanges, allowPrivate, own);
    }
}
