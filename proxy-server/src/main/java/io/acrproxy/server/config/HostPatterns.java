package io.acrproxy.server.config;

import io.acrproxy.policy.host.HostName;
import io.acrproxy.policy.host.HostPattern;
import io.acrproxy.policy.host.InvalidHostException;
import io.acrproxy.policy.net.IpAddresses;

/**
 * {@code extraHosts} entries (design §6.3): an exact host name, or {@code *.suffix} where {@code *} stands for
 * exactly one label. Returns the normalised entry or throws {@link IllegalArgumentException}.
 */
final class HostPatterns {
    static final String EXPECTED = "a host name such as example.com, or *.example.com";

    private HostPatterns() {
    }

    static String normalise(String entry) {
        if (IpAddresses.isIpv4Literal(entry) || (entry.indexOf(':') >= 0 && IpAddresses.parseIpv6(entry) != null)) {
            throw new IllegalArgumentException(HostName.quote(entry)
                    + " is an IP address (expected: a host name; use serviceTags.allowIpLiterals for addresses)");
        }
        try {
            return HostPattern.parse(entry).text();
        } catch (InvalidHostException e) {
            throw new IllegalArgumentException(e.getMessage() + " (expected: " + EXPECTED + ")", e);
        }
    }

    /** The suffix of a {@code *.suffix} entry, or {@code null} for an exact name. */
    static String wildcardSuffix(String normalised) {
        return normalised.startsWith("*.") ? normalised.substring(2) : null;
    }
}
