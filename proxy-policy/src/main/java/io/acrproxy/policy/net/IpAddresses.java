package io.acrproxy.policy.net;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Strict parsing of IP address literals, without ever touching a resolver.
 *
 * <p>{@link InetAddress#getByName(String)} accepts inet_aton spellings ({@code 127.1}, {@code 0x7f.1},
 * {@code 0177.0.0.1}) and falls back to DNS for anything else, so it is never used on untrusted input:
 * these methods build addresses with {@link InetAddress#getByAddress(byte[])} only.
 */
public final class IpAddresses {
    private IpAddresses() {
    }

    /**
     * Parses an IPv4 dotted quad: exactly four decimal parts, each 0–255, no leading zeros, no sign
     * (design §4.2).
     *
     * @return the 4 address bytes, or {@code null} when {@code s} is not a strict dotted quad
     */
    public static byte[] parseIpv4(CharSequence s) {
        return parseIpv4(s, 0, s.length());
    }

    private static byte[] parseIpv4(CharSequence s, int from, int to) {
        byte[] out = new byte[4];
        int part = 0;
        int i = from;
        while (part < 4) {
            int start = i;
            int value = 0;
            while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    return null;
                }
            }
            int digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
                return null;
            }
            out[part++] = (byte) value;
            if (part < 4) {
                if (i >= to || s.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
        }
        return i == to ? out : null;
    }

    /**
     * Parses an IPv6 address in RFC 4291 §2.2 text form (hex groups, one {@code ::}, optional dotted-quad
     * tail). No brackets, no zone identifier ({@code %eth0}): a zone is meaningless to a proxy's upstream.
     *
     * @return the 16 address bytes, or {@code null} when {@code s} is not a valid IPv6 literal
     */
    public static byte[] parseIpv6(CharSequence s) {
        int len = s.length();
        if (len < 2 || len > 45) {
            return null;
        }
        int[] groups = new int[8];
        int count = 0;
        int compressAt = -1;
        int i = 0;
        if (s.charAt(0) == ':') {
            if (s.charAt(1) != ':') {
                return null;
            }
            compressAt = 0;
            i = 2;
            if (i == len) {
                return new byte[16];
            }
        }
        byte[] v4Tail = null;
        while (i < len) {
            if (count == 8) {
                return null;
            }
            int start = i;
            int value = 0;
            while (i < len && i - start < 5 && hexDigit(s.charAt(i)) >= 0) {
                value = (value << 4) | hexDigit(s.charAt(i));
                i++;
            }
            int digits = i - start;
            if (i < len && s.charAt(i) == '.') {
                // Dotted-quad tail (RFC 4291 §2.2 form 3): takes the place of two groups and ends the address.
                if (count > 6) {
                    return null;
                }
                v4Tail = parseIpv4(s, start, len);
                if (v4Tail == null) {
                    return null;
                }
                groups[count++] = ((v4Tail[0] & 0xff) << 8) | (v4Tail[1] & 0xff);
                groups[count++] = ((v4Tail[2] & 0xff) << 8) | (v4Tail[3] & 0xff);
                i = len;
                break;
            }
            if (digits == 0 || digits > 4) {
                return null;
            }
            groups[count++] = value;
            if (i == len) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < len && s.charAt(i) == ':') {
                if (compressAt >= 0) {
                    return null; // a second "::"
                }
                compressAt = count;
                i++;
                if (i == len) {
                    break;
                }
            } else if (i == len) {
                return null; // trailing single ':'
            }
        }
        if (compressAt < 0 && count != 8) {
            return null;
        }
        if (compressAt >= 0 && count > 7) {
            return null; // "::" must stand for at least one group
        }
        byte[] out = new byte[16];
        int gap = 8 - count;
        for (int g = 0, slot = 0; g < count; g++, slot++) {
            if (g == compressAt) {
                slot += gap;
            }
            out[slot * 2] = (byte) (groups[g] >>> 8);
            out[slot * 2 + 1] = (byte) groups[g];
        }
        return out;
    }

    /**
     * ASCII only: {@link Character#digit(char, int)} also accepts fullwidth and other Unicode digits and
     * letters, which would let {@code "\uFF12001:db8::1"} parse as {@code 2001:db8::1}.
     */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** True when {@code s} is a strict dotted quad. */
    public static boolean isIpv4Literal(CharSequence s) {
        return parseIpv4(s) != null;
    }

    /**
     * Parses an IPv4 dotted quad or an IPv6 literal (without brackets).
     *
     * @throws IllegalArgumentException when {@code s} is neither
     */
    public static InetAddress parse(String s) {
        byte[] bytes = parseIpv4(s);
        if (bytes == null && s.indexOf(':') >= 0) {
            bytes = parseIpv6(s);
        }
        if (bytes == null) {
            throw new IllegalArgumentException('"' + s + "\" is not an IP address (expected a dotted quad such as 10.1.2.3 or an IPv6 address such as fd00::1)");
        }
        return fromBytes(bytes);
    }

    /** Wraps 4 or 16 bytes; never consults a resolver. */
    public static InetAddress fromBytes(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address must be 4 or 16 bytes, got " + bytes.length, e);
        }
    }

    /**
     * The canonical text of an address: a dotted quad, or IPv6 text as RFC 5952 §4 recommends (lower-case hex,
     * no leading zeros, the longest run of two or more zero groups shortened to {@code ::}, the first run on a
     * tie). {@link InetAddress#getHostAddress()} does not compress ({@code 2001:db8:0:0:0:0:0:1}), and messages,
     * rule names and {@link Cidr#toString()} should read as people write addresses.
     *
     * <p>The mixed notation of RFC 5952 §5 ({@code ::ffff:192.0.2.1}) is not used, so that prefixes such as
     * {@code ::ffff:0:0/96} print the way design §6.5 writes them.
     *
     * @param address 4 or 16 bytes
     */
    public static String toText(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
        }
        if (address.length != 16) {
            throw new IllegalArgumentException("address must be 4 or 16 bytes, got " + address.length);
        }
        int[] groups = new int[8];
        for (int g = 0; g < 8; g++) {
            groups[g] = ((address[2 * g] & 0xff) << 8) | (address[2 * g + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int g = 0; g < 8; ) {
            if (groups[g] != 0) {
                g++;
                continue;
            }
            int start = g;
            while (g < 8 && groups[g] == 0) {
                g++;
            }
            if (g - start > bestLength) {
                bestStart = start;
                bestLength = g - start;
            }
        }
        StringBuilder out = new StringBuilder(39);
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                out.append("::");
                g += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[g]));
        }
        return out.toString();
    }

    /** {@link #toText(byte[])} of the address's bytes; an IPv4-mapped address held as IPv4 prints as IPv4. */
    public static String toText(InetAddress address) {
        return toText(address.getAddress());
    }

    /**
     * A socket address the way people write it: {@code 127.0.0.1:3128}, {@code [::1]:60318} (RFC 3986 §3.2.2 brackets),
     * never the JDK's {@code /127.0.0.1:3128} or {@code 0:0:0:0:0:0:0:1}. An unresolved one prints its host name.
     */
    public static String toText(java.net.InetSocketAddress endpoint) {
        if (endpoint.getAddress() == null) {
            return endpoint.getHostString() + ":" + endpoint.getPort();
        }
        byte[] bytes = endpoint.getAddress().getAddress();
        String address = toText(bytes);
        return (bytes.length == 16 ? "[" + address + "]" : address) + ":" + endpoint.getPort();
    }
}
