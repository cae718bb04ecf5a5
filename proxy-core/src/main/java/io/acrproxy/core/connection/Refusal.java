package io.acrproxy.core.connection;

import io.acrproxy.policy.Reason;
import java.util.Objects;

/**
 * What the proxy answers when it refuses a request before the tunnel exists (design §5): a value that
 * {@link ProxyResponses#encode} turns into bytes. The factories and {@code with…} methods check the
 * combinations HTTP requires, so a mistake shows up where the refusal is built.
 *
 * @param status            the HTTP status, 400–599
 * @param reason            the design §5 reason code; it must have a Proxy-Status error type
 * @param message           the sentence a person can act on, e.g. {@code Forbidden by egress policy:
 *                          evilreg.azurecr.io is not an allowed registry endpoint}; sanitised on output
 * @param body              the body format
 * @param retryAfterSeconds the {@code Retry-After} delay, or -1 for none
 * @param realm             the Basic realm of the {@code Proxy-Authenticate} challenge; set exactly for 407
 * @param keepAlive         false sends {@code Connection: close}; true keeps the connection open for another
 *                          request (a 407 challenge answered on the same connection, design §2 stage 3)
 * @param nextHop           the parent proxy that failed, or {@code null}
 */
public record Refusal(int status, Reason reason, String message, Body body, long retryAfterSeconds,
                      String realm, boolean keepAlive, NextHop nextHop) {

    /**
     * The hop behind this proxy that failed: a parent proxy (design §2.3). RFC 9209 §2.1.3 and §2.1.4: the
     * {@code Proxy-Status} entry names it ({@code next-hop}) and the status it answered ({@code received-status}).
     *
     * @param name           the parent's configured name
     * @param receivedStatus the status the parent answered, or 0 when it did not answer
     */
    public record NextHop(String name, int receivedStatus) {
        public NextHop {
            Objects.requireNonNull(name, "name");
        }
    }

    /** The body a refusal carries. */
    public enum Body {
        /** {@code text/plain}: the message on one line. */
        TEXT,
        /** {@code application/json} in the registry API's error format, so {@code docker pull} shows the message. */
        REGISTRY_JSON,
        /**
         * No body and no content headers, for a {@code HEAD} request: RFC 9110 §9.3.2 forbids the body, and
         * RFC 9112 §6.3 ends a HEAD response at its blank line whatever Content-Length says.
         */
        NONE
    }

    public Refusal {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(body, "body");
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status " + status + " is not a refusal");
        }
        if (reason.proxyStatusError() == null) {
            throw new IllegalArgumentException("reason " + reason + " is not answered with an HTTP refusal");
        }
        // RFC 9110 §11.7.1: a 407 MUST carry Proxy-Authenticate; nothing else should.
        if ((status == 407) != (realm != null)) {
            throw new IllegalArgumentException("a Proxy-Authenticate realm goes with status 407 and only with it");
        }
        // RFC 9110 §10.2.3 and RFC 6585 §4: Retry-After is meaningful on 503 and 429.
        if (retryAfterSeconds < -1 || retryAfterSeconds >= 0 && status != 503 && status != 429) {
            throw new IllegalArgumentException("Retry-After " + retryAfterSeconds + " does not fit status " + status);
        }
    }

    /**
     * A refusal with the reason's default status whose reason phrase starts with what kind of refusal it is and goes
     * on with {@code message}, the policy's or the failure's own sentence: Go clients show the phrase as the error
     * ({@code proxyconnect tcp: Forbidden by egress policy: evilreg.azurecr.io is not an allowed registry endpoint}).
     */
    public static Refusal explained(Reason reason, String message) {
        return explained(reason, reason.httpStatus(), message);
    }

    /** As {@link #explained(Reason, String)} with an explicit status. */
    public static Refusal explained(Reason reason, int status, String message) {
        return of(reason, status, phrase(status, message));
    }

    /** {@code Forbidden by egress policy: <message>} for 403, and likewise for the other statuses. */
    public static String phrase(int status, String message) {
        String kind = switch (status) {
            case 400 -> "Bad Request"; // as RFC 9110 spells it, and as the head's own 400s say
            case 403 -> "Forbidden by egress policy";
            case 407 -> "Proxy authentication required";
            case 408 -> "Request timeout";
            case 429 -> "Too many requests from this client";
            case 503 -> "Proxy busy";
            case 500 -> "Internal proxy error";
            case 502 -> "Bad gateway";
            case 504 -> "Gateway timeout";
            default -> "Refused";
        };
        return kind + ": " + message;
    }

    /** A refusal with the reason's default status, closing the connection. */
    public static Refusal of(Reason reason, String message) {
        return of(reason, reason.httpStatus(), message);
    }

    /** A refusal with an explicit status (431 for {@link Reason#HEADER_TOO_LARGE}, 429 or 503 for limits). */
    public static Refusal of(Reason reason, int status, String message) {
        return new Refusal(status, reason, message, Body.TEXT, -1, null, false, null);
    }

    /**
     * A 407 challenge (RFC 9110 §11.7.1, RFC 7617 §2). It keeps the connection open by default because some
     * clients (.NET) send their credentials on the same connection after the challenge (design §2 stage 3).
     */
    public static Refusal proxyAuthenticationRequired(Reason reason, String message, String realm) {
        Objects.requireNonNull(realm, "realm");
        return new Refusal(407, reason, message, Body.TEXT, -1, realm, true, null);
    }

    /** Adds {@code Retry-After: seconds} (503 and 429 only). */
    public Refusal withRetryAfter(long seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("Retry-After must not be negative: " + seconds);
        }
        return new Refusal(status, reason, message, body, seconds, realm, keepAlive, nextHop);
    }

    public Refusal withBody(Body newBody) {
        return new Refusal(status, reason, message, newBody, retryAfterSeconds, realm, keepAlive, nextHop);
    }

    public Refusal withKeepAlive(boolean newKeepAlive) {
        return new Refusal(status, reason, message, body, retryAfterSeconds, realm, newKeepAlive, nextHop);
    }

    /** Names the parent proxy that failed, and what it answered (0: nothing). */
    public Refusal withNextHop(String parent, int receivedStatus) {
        return new Refusal(status, reason, message, body, retryAfterSeconds, realm, keepAlive,
                new NextHop(parent, receivedStatus));
    }

    /**
     * Fits the body to the request it answers: none for {@code HEAD} (RFC 9110 §9.3.2), the registry JSON
     * error for a plain-HTTP request whose path starts with {@code /v2/} (design §2), text otherwise.
     */
    public Refusal forRequest(String method, String target) {
        if ("HEAD".equals(method)) {
            return withBody(Body.NONE);
        }
        if (!"CONNECT".equals(method) && isRegistryApiPath(target)) {
            return withBody(Body.REGISTRY_JSON);
        }
        return withBody(Body.TEXT);
    }

    /**
     * True when the path of an origin-form ({@code /v2/...}) or absolute-form ({@code http://host/v2/...},
     * RFC 9112 §3.2.2, what a client sends to a proxy) request-target starts with {@code /v2/}.
     */
    static boolean isRegistryApiPath(String target) {
        int pathStart = 0;
        if (!target.startsWith("/")) {
            int authority;
            if (target.regionMatches(true, 0, "http://", 0, 7)) {
                authority = 7;
            } else if (target.regionMatches(true, 0, "https://", 0, 8)) {
                authority = 8;
            } else {
                return false;
            }
            // RFC 3986 §3.2: the authority ends at the first "/", "?" or "#"; only "/" starts a path.
            pathStart = authority;
            while (pathStart < target.length() && "/?#".indexOf(target.charAt(pathStart)) < 0) {
                pathStart++;
            }
        }
        return target.startsWith("/v2/", pathStart);
    }
}
