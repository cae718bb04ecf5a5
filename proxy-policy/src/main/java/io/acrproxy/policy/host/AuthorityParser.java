package io.acrproxy.policy.host;

import io.acrproxy.policy.net.IpAddresses;

/**
 * The strict authority grammar of design §4.2: {@code host:port} where host is a DNS name, a dotted quad
 * or a bracketed IPv6 literal, and port is 1–65535 in decimal without a leading zero.
 *
 * <p>Everything else is refused before a resolver sees it: userinfo ({@code user@host}, a classic way to
 * make one parser see a different host than another), schemes, paths, percent-escapes, whitespace, control
 * bytes, and numeric host spellings that resolvers read as inet_aton numbers.
 */
final class AuthorityParser {
    private AuthorityParser() {
    }

    static Authority parse(CharSequence target) {
        int len = target.length();
        if (len == 0) {
            throw fail(target, "is empty (expected host:port)");
        }
        for (int i = 0; i < len; i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw fail(target, c == ' ' || c == '\t' ? "contains whitespace" : "contains a control or non-ASCII character");
            }
            switch (c) {
                case '@' -> throw fail(target, "contains userinfo ('@'); only host:port is allowed");
                case '/' -> throw fail(target, target.toString().contains("://")
                        ? "contains a scheme; CONNECT takes host:port only"
                        : "contains a path ('/'); CONNECT takes host:port only");
                case '?', '#' -> throw fail(target, "contains a query or fragment; CONNECT takes host:port only");
                case '%' -> throw fail(target, "contains a percent-escape or zone identifier");
                default -> {
                }
            }
        }
        Host host;
        int portStart;
        if (target.charAt(0) == '[') {
            int close = indexOf(target, ']');
            if (close < 0) {
                throw fail(target, "has '[' without ']'");
            }
            String inside = target.subSequence(1, close).toString();
            byte[] v6 = inside.indexOf(':') >= 0 ? IpAddresses.parseIpv6(inside) : null;
            if (v6 == null) {
                throw fail(target, "has brackets around something that is not an IPv6 address");
            }
            host = new IpLiteral(IpAddresses.fromBytes(v6), inside);
            if (close + 1 >= len || target.charAt(close + 1) != ':') {
                throw fail(target, "has no port (expected [ipv6]:port)");
            }
            portStart = close + 2;
        } else {
            int colon = indexOf(target, ':');
            if (colon < 0) {
                throw fail(target, "has no port (expected host:port)");
            }
            if (indexOf(target, ':', colon + 1) >= 0) {
                throw fail(target, "has more than one ':' (an IPv6 address must be in brackets: [2001:db8::1]:443)");
            }
            if (colon == 0) {
                throw fail(target, "has no host (expected host:port)");
            }
            CharSequence hostPart = target.subSequence(0, colon);
            byte[] v4 = IpAddresses.parseIpv4(hostPart);
            host = v4 != null
                    ? new IpLiteral(IpAddresses.fromBytes(v4), hostPart.toString())
                    : HostName.parse(hostPart);
            portStart = colon + 1;
        }
        return new Authority(host, parsePort(target, portStart));
    }

    private static int parsePort(CharSequence target, int from) {
        int len = target.length();
        if (from >= len) {
            throw fail(target, "has an empty port");
        }
        if (target.charAt(from) == '0') {
            throw fail(target, "has a port with a leading zero or port 0 (expected 1-65535)");
        }
        int port = 0;
        for (int i = from; i < len; i++) {
            char c = target.charAt(i);
            if (c < '0' || c > '9') {
                throw fail(target, "has a port that is not a decimal number (expected 1-65535)");
            }
            port = port * 10 + (c - '0');
            if (port > 65535) {
                throw fail(target, "has a port above 65535");
            }
        }
        return port;
    }

    private static int indexOf(CharSequence s, char c) {
        return indexOf(s, c, 0);
    }

    private static int indexOf(CharSequence s, char c, int from) {
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    private static InvalidHostException fail(CharSequence target, String problem) {
        return new InvalidHostException("CONNECT target " + HostName.quote(target) + ' ' + problem);
    }
}
