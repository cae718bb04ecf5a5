package io.acrproxy.server.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where a server socket binds: {@code listen:} or {@code admin:}.
 *
 * @param host    as configured: an IP literal or {@code localhost}
 * @param address the address to bind; {@code localhost} is the loopback address, never looked up
 * @param port    1–65535
 */
public record ListenAddress(String host, InetAddress address, int port) {
    public ListenAddress {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(address, "address");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(address, port);
    }

    /** True for {@code 0.0.0.0} and {@code ::}: every local address. */
    public boolean isWildcard() {
        return address.isAnyLocalAddress();
    }

    /** True when binding both would fail: the same port and the same or a wildcard address. */
    boolean overlaps(ListenAddress other) {
        return port == other.port && (isWildcard() || other.isWildcard() || address.equals(other.address));
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
