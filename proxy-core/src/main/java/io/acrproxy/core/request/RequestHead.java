package io.acrproxy.core.request;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A syntactically valid HTTP/1.1 request head, as {@link RequestHeadDecoder} read it. Nothing here is
 * interpreted: the request-target is checked later (design §4.2) and {@code Host} is never used for a
 * decision (design §4.1).
 *
 * @param method  the method token exactly as sent; methods are case-sensitive (RFC 9110 §9.1)
 * @param target  the request-target exactly as sent (visible US-ASCII only)
 * @param version the protocol version of the request line
 * @param headers the header fields in the order received, names as sent
 */
public record RequestHead(String method, String target, Version version, List<Header> headers) {

    /** The only method this proxy tunnels (RFC 9110 §9.3.6). */
    public static final String CONNECT = "CONNECT";

    public RequestHead {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(version, "version");
        headers = List.copyOf(headers);
    }

    /** True for {@code CONNECT}, compared case-sensitively: {@code connect} is another method. */
    public boolean isConnect() {
        return CONNECT.equals(method);
    }

    /**
     * The value of the first field named {@code name} (case-insensitive, RFC 9110 §5.1), or {@code null}
     * when there is none. Use {@link #headers(String)} where a repeated field must be noticed.
     */
    public String header(String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    /** The values of every field named {@code name} (case-insensitive), in the order received. */
    public List<String> headers(String name) {
        List<String> values = new ArrayList<>(1);
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                values.add(h.value());
            }
        }
        return values;
    }

    /**
     * One header field line.
     *
     * @param name  the field name as sent (a token)
     * @param value the field value without leading and trailing whitespace (RFC 9112 §5.1), decoded as
     *              ISO-8859-1 so that obs-text bytes survive unchanged
     */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    /** The HTTP versions a request may carry (design §4.1). */
    public enum Version {
        HTTP_1_0("HTTP/1.0"),
        HTTP_1_1("HTTP/1.1");

        private final String text;

        Version(String text) {
            this.text = text;
        }

        /** As written on the request line, e.g. {@code HTTP/1.1}. */
        public String text() {
            return text;
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
