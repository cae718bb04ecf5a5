package io.acrproxy.policy.net;

import java.util.Map;

/** Short names of well-known ranges, so that a refusal says why a range is prohibited, not only which. */
final class RangeDescriptions {
    private static final Map<Cidr, String> KNOWN = Map.ofEntries(
            // RFC 6890 §2.2.2 (IPv4) and §2.2.3 (IPv6) special-purpose registries.
            entry("0.0.0.0/8", "this network"),
            entry("127.0.0.0/8", "loopback"),
            entry("169.254.0.0/16", "link-local"),
            entry("100.64.0.0/10", "CGNAT shared address space RFC 6598"),
            entry("224.0.0.0/4", "multicast"),
            entry("240.0.0.0/4", "reserved"),
            entry("255.255.255.255/32", "broadcast"),
            entry("::/128", "unspecified"),
            entry("::1/128", "IPv6 loopback"),
            entry("fe80::/10", "IPv6 link-local"),
            entry("ff00::/8", "IPv6 multicast"),
            entry("10.0.0.0/8", "private RFC 1918"),
            entry("172.16.0.0/12", "private RFC 1918"),
            entry("192.168.0.0/16", "private RFC 1918"),
            entry("fc00::/7", "unique local RFC 4193"),
            entry(DestinationRules.AZURE_PLATFORM_ADDRESS + "/32", "Azure platform address"));

    private RangeDescriptions() {
    }

    /** The range's well-known name, or {@code configured} for a range only the config explains. */
    static String describe(Cidr range) {
        return KNOWN.getOrDefault(range, "configured");
    }

    private static Map.Entry<Cidr, String> entry(String cidr, String description) {
        return Map.entry(Cidr.parse(cidr), description);
    }
}
