package io.acrproxy.policy.host;

import java.net.InetAddress;
import java.util.Objects;

/**
 * An IP address given as a literal CONNECT target ({@code 20.1.2.3:443} or {@code [2603:1030::1]:443}).
 *
 * @param address the address (an IPv4-mapped IPv6 literal arrives as its IPv4 address, as the JDK does)
 * @param text    the literal as written, minus brackets, for logs and messages
 */
public record IpLiteral(InetAddress address, String text) implements Host {
    public IpLiteral {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(text, "text");
    }

    @Override
    public String toString() {
        return text;
    }
}
