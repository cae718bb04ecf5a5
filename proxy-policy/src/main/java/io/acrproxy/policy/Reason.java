package io.acrproxy.policy;

/**
 * The closed set of reason codes of design §5. Every refusal, log record and metric names one of
 * these; {@link #ALLOWED} marks a permitted decision.
 *
 * <p>The HTTP status and the RFC 9209 {@code Proxy-Status} error type are the defaults the data plane
 * answers with; reasons refused after {@code 200} (ClientHello inspection) have no HTTP status and are
 * answered with a TLS alert instead.
 */
public enum Reason {
    ALLOWED("allowed", 200, null),
    CLIENT_NOT_ALLOWED("client_not_allowed", 403, "http_request_denied"),
    CONNECTION_LIMIT("connection_limit", 503, "connection_limit_reached"),
    /** The proxy itself is short of memory or file descriptors: new work waits, open tunnels go on. */
    RESOURCE_EXHAUSTED("resource_exhausted", 503, "proxy_internal_error"),
    /** A PROXY protocol header that is missing from a trusted balancer, sent by anyone else, or malformed. */
    PROXY_PROTOCOL_ERROR("proxy_protocol_error", 400, "http_request_error"),
    /**
     * The TLS port (design §2.4): the client's handshake failed (no common version or cipher suite, a timeout). The
     * engine answers with a TLS alert; no HTTP answer can follow.
     */
    CLIENT_TLS_FAILED("client_tls_failed", 0, null),
    /** The TLS port: the client certificate was missing while required, or not accepted by {@code listenTls.clientCaFile}. */
    CLIENT_CERT_REJECTED("client_cert_rejected", 0, null),
    MALFORMED_REQUEST("malformed_request", 400, "http_request_error"),
    /** The request line alone is longer than the proxy reads (design §4.1): 414. */
    REQUEST_LINE_TOO_LONG("request_line_too_long", 414, "http_request_error"),
    /** The request head as a whole, or its number of lines, exceeds the limits: 431. */
    HEADER_TOO_LARGE("header_too_large", 431, "http_request_error"),
    HEADER_TIMEOUT("header_timeout", 408, "http_request_error"),
    AUTH_REQUIRED("auth_required", 407, "http_request_denied"),
    AUTH_FAILED("auth_failed", 407, "http_request_denied"),
    METHOD_NOT_ALLOWED("method_not_allowed", 403, "http_request_denied"),
    PORT_NOT_ALLOWED("port_not_allowed", 403, "http_request_denied"),
    HOST_NOT_ALLOWED("host_not_allowed", 403, "http_request_denied"),
    IP_LITERAL_NOT_ALLOWED("ip_literal_not_allowed", 403, "destination_ip_prohibited"),
    DESTINATION_PROHIBITED("destination_prohibited", 403, "destination_ip_prohibited"),
    PROXY_LOOP("proxy_loop", 403, "proxy_loop_detected"),
    DNS_ERROR("dns_error", 502, "dns_error"),
    DNS_TIMEOUT("dns_timeout", 504, "dns_timeout"),
    CONNECT_REFUSED("connect_refused", 502, "connection_refused"),
    CONNECT_FAILED("connect_failed", 502, "destination_unavailable"),
    CONNECT_TIMEOUT("connect_timeout", 504, "connection_timeout"),
    /** No parent proxy of the route could be reached (refused, unreachable, or its name did not resolve). */
    PARENT_UNREACHABLE("parent_unreachable", 502, "destination_unavailable"),
    /** The parent proxy did not connect or did not answer the CONNECT in time. */
    PARENT_TIMEOUT("parent_timeout", 504, "connection_timeout"),
    /** The parent proxy answered the CONNECT with an error status other than 407 (it refused the target). */
    PARENT_REFUSED("parent_refused", 502, "destination_unavailable"),
    /** The parent proxy answered 407: the credentials configured for it are missing or wrong. */
    PARENT_AUTH_FAILED("parent_auth_failed", 502, "destination_unavailable"),
    /** The parent proxy's answer was not a well-formed HTTP response head within the limits. */
    PARENT_BAD_RESPONSE("parent_bad_response", 502, "http_protocol_error"),
    NOT_TLS("not_tls", 0, null),
    SNI_MISSING("sni_missing", 0, null),
    SNI_MISMATCH("sni_mismatch", 0, null),
    CLIENT_HELLO_MALFORMED("client_hello_malformed", 0, null),
    CLIENT_HELLO_TOO_LARGE("client_hello_too_large", 0, null),
    CLIENT_HELLO_TIMEOUT("client_hello_timeout", 0, null),
    INTERNAL_ERROR("internal_error", 500, "http_request_error");

    private final String code;
    private final int httpStatus;
    private final String proxyStatusError;

    Reason(String code, int httpStatus, String proxyStatusError) {
        this.code = code;
        this.httpStatus = httpStatus;
        this.proxyStatusError = proxyStatusError;
    }

    /** The snake_case code used in logs, metric labels and JSON. */
    public String code() {
        return code;
    }

    /** Default HTTP status of the refusal, or 0 when the refusal is a TLS alert (after {@code 200}). */
    public int httpStatus() {
        return httpStatus;
    }

    /** RFC 9209 {@code Proxy-Status} error type, or {@code null} when none applies. */
    public String proxyStatusError() {
        return proxyStatusError;
    }

    @Override
    public String toString() {
        return code;
    }
}
