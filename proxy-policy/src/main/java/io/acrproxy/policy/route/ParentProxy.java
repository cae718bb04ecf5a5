package io.acrproxy.policy.route;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * A parent (upstream) HTTP proxy the tunnels of some routes go through: the company's own proxy in front of the
 * internet (design §2.3).
 *
 * @param name     the configured name, used in logs, metrics, {@code /policy} and error answers
 * @param host     a normalised host name or an IP address, as written in its {@code http://host:port} URL
 * @param port     1–65535
 * @param user     the user name for {@code Proxy-Authorization: Basic}, or {@code null} for none
 * @param password the password, or {@code null}; never printed ({@link #toString} masks it)
 */
public record ParentProxy(String name, String host, int port, String user, String password) {
    public ParentProxy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException("a user name goes with a password, and only with one");
        }
    }

    /** The value of the {@code Proxy-Authorization} header for this parent, or {@code null} without credentials. */
    public String authorization() {
        if (user == null) {
            return null;
        }
        // RFC 7617 §2: user-id ":" password, base64 of its UTF-8 bytes.
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code host:port}, with brackets around an IPv6 address. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** What {@code /policy} shows: the URL and the user, never the password. */
    public String url() {
        return "http://" + address();
    }

    @Override
    public String toString() {
        return "ParentProxy[" + name + " " + url() + (user == null ? "" : " user=" + user + " password=***") + "]";
    }
}
