package io.acrproxy.policy.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 prefix such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}. Immutable; equal prefixes are
 * equal objects, and {@link #toString()} is the canonical text (RFC 5952 §4 for IPv6, see
 * {@link IpAddresses#toText(byte[])}).
 *
 * <p>Addresses are parsed with {@link IpAddresses} only, never with a resolver.
 *
 * <h2>Families and IPv4-mapped addresses</h2>
 * A prefix has one family, and {@link #contains(InetAddress)} compares within that family only: an IPv4 prefix
 * never contains an {@link Inet6Address} and an IPv6 prefix never contains an {@link java.net.Inet4Address}.
 * The JDK turns 16 bytes of the form {@code ::ffff:a.b.c.d} (RFC 4291 §2.5.5.2) into an {@code Inet4Address}
 * in {@link InetAddress#getByAddress(byte[])}, so such an address is contained by IPv4 prefixes, and an IPv6
 * prefix inside {@code ::ffff:0:0/96} only contains {@code Inet6Address} objects built with
 * {@link Inet6Address#getByAddress(String, byte[], int)}, which keeps the 16 bytes. Code that must judge IPv4
 * hidden in IPv6 does so explicitly ({@link AddressClassifier}).
 */
public final class Cidr {
    private static final int MAX_QUOTED = 120;

    private final boolean ipv4;
    private final long high;
    private final long low;
    private final int prefixLength;

    private Cidr(boolean ipv4, long high, long low, int prefixLength) {
        this.ipv4 = ipv4;
        this.high = high;
        this.low = low;
        this.prefixLength = prefixLength;
    }

    /**
     * Parses a prefix as written in configuration: {@code a.b.c.d/n} (n 0–32) or an IPv6 address and
     * {@code /n} (n 0–128), n in decimal without leading zeros; a bare address means {@code /32} or
     * {@code /128}. The address part follows {@link IpAddresses} (strict dotted quad, RFC 4291 §2.2 IPv6
     * text without brackets or zone).
     *
     * @throws IllegalArgumentException when the text is not such a prefix, or when bits below the prefix
     *                                  length are set ({@code "10.0.0.1/8" has host bits set (expected 10.0.0.0/8)}):
     *                                  in a config this is usually a typo, so it is not silently rounded
     */
    public static Cidr parse(String text) {
        return parse(text, true);
    }

    /**
     * Like {@link #parse(String)}, but clears host bits instead of refusing them. For data files written by
     * others (service tags) where a prefix with host bits set still means its network.
     */
    public static Cidr parseLenient(String text) {
        return parse(text, false);
    }

    /**
     * The prefix of the given length whose network address is {@code address}.
     *
     * @throws IllegalArgumentException when the length is out of range for the address family or the address
     *                                  has bits set beyond it
     */
    public static Cidr of(InetAddress address, int prefixLength) {
        byte[] bytes = address.getAddress();
        boolean v4 = bytes.length == 4;
        int max = v4 ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is out of range for "
                    + IpAddresses.toText(bytes) + " (expected 0-" + max + ")");
        }
        Cidr exact = new Cidr(v4, AddressBits.high(bytes), AddressBits.low(bytes), prefixLength);
        Cidr masked = exact.masked();
        if (!masked.equals(exact)) {
            throw new IllegalArgumentException(IpAddresses.toText(bytes) + "/" + prefixLength
                    + " has host bits set (expected " + masked + ")");
        }
        return exact;
    }

    private static Cidr parse(String text, boolean strict) {
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = addressText.indexOf(':') >= 0 ? IpAddresses.parseIpv6(addressText) : IpAddresses.parseIpv4(addressText);
        if (bytes == null) {
            String what = slash < 0 ? "" : ": " + quote(addressText) + " is not an IP address";
            throw new IllegalArgumentException(quote(text) + " is not a CIDR prefix" + what
                    + " (expected an IPv4 prefix such as 10.0.0.0/8 or an IPv6 prefix such as 2001:db8::/32)");
        }
        boolean v4 = bytes.length == 4;
        int max = v4 ? 32 : 128;
        int length = slash < 0 ? max : parsePrefixLength(text, slash + 1, max);
        Cidr exact = new Cidr(v4, AddressBits.high(bytes), AddressBits.low(bytes), length);
        Cidr masked = exact.masked();
        if (strict && !masked.equals(exact)) {
            throw new IllegalArgumentException(quote(text) + " has host bits set (expected " + masked + ")");
        }
        return masked;
    }

    private static int parsePrefixLength(String text, int from, int max) {
        int len = text.length() - from;
        boolean digits = len >= 1 && len <= 3;
        for (int i = from; digits && i < text.length(); i++) {
            char c = text.charAt(i);
            digits = c >= '0' && c <= '9';
        }
        if (digits && (len == 1 || text.charAt(from) != '0')) {
            int value = Integer.parseInt(text, from, text.length(), 10);
            if (value <= max) {
                return value;
            }
        }
        throw new IllegalArgumentException(quote(text) + " has an invalid prefix length " + quote(text.substring(from))
                + " (expected 0-" + max + " in decimal without leading zeros)");
    }

    /** Quotes untrusted text for a message: bounded length, control and non-ASCII characters escaped. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_QUOTED) + 8).append('"');
        for (int i = 0; i < text.length() && i < MAX_QUOTED; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (text.length() > MAX_QUOTED) {
            out.append("...");
        }
        return out.append('"').toString();
    }

    private Cidr masked() {
        return new Cidr(ipv4, high & AddressBits.HIGH_MASK[prefixLength], low & AddressBits.LOW_MASK[prefixLength], prefixLength);
    }

    /**
     * The network (first) address. For an IPv6 prefix this is always an {@link Inet6Address}, also inside
     * {@code ::ffff:0:0/96}.
     */
    public InetAddress network() {
        return toInetAddress(high, low);
    }

    /** The last address of the prefix (the network address with all host bits set). */
    public InetAddress lastAddress() {
        return toInetAddress(high | ~AddressBits.HIGH_MASK[prefixLength], low | ~AddressBits.LOW_MASK[prefixLength]);
    }

    private InetAddress toInetAddress(long h, long l) {
        byte[] bytes = AddressBits.toBytes(h, l, ipv4);
        if (ipv4) {
            return IpAddresses.fromBytes(bytes);
        }
        try {
            return Inet6Address.getByAddress(null, bytes, -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public int prefixLength() {
        return prefixLength;
    }

    public boolean isIpv4() {
        return ipv4;
    }

    /** 32 for IPv4, 128 for IPv6. */
    public int addressLength() {
        return ipv4 ? 32 : 128;
    }

    /**
     * True when the address lies in this prefix. Families are compared strictly: see the class comment for
     * what that means for IPv4-mapped addresses.
     */
    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    /** True when the 4- or 16-byte address lies in this prefix (a 4-byte address only in an IPv4 prefix). */
    public boolean contains(byte[] address) {
        if ((address.length == 4) != ipv4 || (address.length != 4 && address.length != 16)) {
            return false;
        }
        return AddressBits.samePrefix(high, low, AddressBits.high(address), AddressBits.low(address), prefixLength);
    }

    /** True when {@code other} is the same prefix as this one or a more specific prefix inside it. */
    public boolean contains(Cidr other) {
        return other.ipv4 == ipv4 && other.prefixLength >= prefixLength
                && AddressBits.samePrefix(high, low, other.high, other.low, prefixLength);
    }

    long high() {
        return high;
    }

    long low() {
        return low;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.ipv4 == ipv4 && c.high == high && c.low == low && c.prefixLength == prefixLength;
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(high) * 31 + Long.hashCode(low)) * 257 + (ipv4 ? prefixLength : prefixLength + 128);
    }

    /** The canonical text, e.g. {@code 10.0.0.0/8} or {@code 2001:db8::/32}. */
    @Override
    public String toString() {
        return IpAddresses.toText(AddressBits.toBytes(high, low, ipv4)) + "/" + prefixLength;
    }
}
