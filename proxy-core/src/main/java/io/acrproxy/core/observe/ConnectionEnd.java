package io.acrproxy.core.observe;

import java.util.Locale;

/**
 * How a client connection ended (design §9.2): the access log's {@code end} field and the {@code end} label of
 * {@code acrproxy_connections_ended_total}. A closed set, so the label stays bounded. Beside {@code decision} and
 * {@code reason}, which say what the policy and the proxy decided, it says what then happened: a tunnel that was
 * allowed may still have been reset, timed out, revoked or cut by the drain.
 */
public enum ConnectionEnd {
    /**
     * The tunnel relayed until both sides had sent their EOF and each was passed on; or a client of the TLS port sent
     * close_notify, which ends the tunnel for it whatever follows (design §2.4).
     */
    COMPLETED,
    /** The proxy refused the request: an HTTP refusal, or a TLS alert (or close) after the 200 (design §5, §7.4). */
    REFUSED,
    /** The ClientHello did not arrive within {@code sni.inspectTimeout}. */
    HELLO_TIMEOUT,
    /** The client left before its request head was complete; also every probe. */
    CLIENT_CLOSED_BEFORE_REQUEST,
    /** The client left after its request, before the proxy answered (while resolving, connecting, authenticating). */
    CLIENT_CLOSED_BEFORE_ANSWER,
    /** A side closed after the 200, before a whole ClientHello had arrived: no tunnel was relayed. */
    CLOSED_BEFORE_HELLO,
    /** While relaying, the client closed its connection (without a reset) before the tunnel completed. */
    CLIENT_CLOSED,
    /** While relaying, the upstream closed its connection (without a reset) before the tunnel completed. */
    UPSTREAM_CLOSED,
    /** While relaying, the client's connection was reset (or its pipe broke). */
    CLIENT_RESET,
    /** While relaying, the upstream's connection was reset (or its pipe broke). */
    UPSTREAM_RESET,
    /** While relaying, an unexpected error ended the tunnel (logged with its cause). */
    RELAY_ERROR,
    /** No byte moved either way for {@code timeouts.idle}. */
    IDLE_TIMEOUT,
    /** A policy reload withdrew the tunnel's permission ({@code revokeOnReload}, design §6.6). */
    REVOKED,
    /** Still open when the drain after SIGTERM ran out ({@code timeouts.drain}, design §8.5), and closed by it. */
    DRAIN;

    /** The label value and access-log text: {@code client_closed_before_request}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The ends that say only that a connection went away, which a forced close at the drain's end explains. */
    boolean isAClose() {
        return switch (this) {
            case CLIENT_CLOSED_BEFORE_REQUEST, CLIENT_CLOSED_BEFORE_ANSWER, CLOSED_BEFORE_HELLO, CLIENT_CLOSED,
                    UPSTREAM_CLOSED, CLIENT_RESET, UPSTREAM_RESET -> true;
            default -> false;
        };
    }
}
