package io.acrproxy.policy.net;

import java.net.InetAddress;

/** STUB: an IPv4 or IPv6 prefix. To be implemented (see helper task). */
public final class Cidr {
    public static Cidr parse(String text) {
        throw new UnsupportedOperationException("stub");
    }

    public static Cidr parseLenient(String text) {
        throw new UnsupportedOperationException("stub");
    }

    public static Cidr of(InetAddress address, int prefixLength) {
        throw new UnsupportedOperationException("stub");
    }

    public InetAddress network() {
        throw new UnsupportedOperationException("stub");
    }

    public int prefixLength() {
        throw new UnsupportedOperationException("stub");
    }

    public boolean isIpv4() {
        throw new UnsupportedOperationException("stub");
    }

    public boolean contains(InetAddress address) {
        throw new UnsupportedOperationException("stub");
    }
}
