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
     * (SPEC §4.2).
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
            while (i < len && i - start < 5 && Character.digit(s.charAt(i), 16) >= 0) {
                value = (value << 4) | Character.digit(s.charAt(i), 16);
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
}
