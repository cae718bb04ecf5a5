package io.acrproxy.policy.host;

import java.util.Objects;

/**
 * A parsed CONNECT request-target (RFC 9110 §9.3.6: CONNECT uses authority-form {@code host:port}).
 *
 * @param host the normalised name or the IP literal
 * @param port 1–65535
 */
public record Authority(Host host, int port) {
    public Authority {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * Parses an authority-form request target strictly (design §4.2).
     *
     * @throws InvalidHostException with a message fit for a {@code 400} reason phrase
     */
    public static Authority parse(CharSequence target) {
        return AuthorityParser.parse(target);
    }

    /** True when the target is an IP literal rather than a name. */
    public boolean isIpLiteral() {
        return host instanceof IpLiteral;
    }

    @Override
    public String toString() {
        return (host instanceof IpLiteral ip && ip.text().indexOf(':') >= 0 ? "[" + ip.text() + "]" : host.text()) + ":" + port;
    }
}
