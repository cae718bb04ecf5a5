package io.acrproxy.core.request;

import io.acrproxy.policy.Reason;
import java.util.Objects;

/**
 * A request head that could not be accepted, as a value: {@link RequestHeadDecoder} emits this instead
 * of throwing, so the connection handler answers it like any other refusal (design §5).
 *
 * @param reason  {@link Reason#MALFORMED_REQUEST} or {@link Reason#HEADER_TOO_LARGE}
 * @param status  the HTTP status to answer: 400, 414, 431 or 505
 * @param message a sentence a person can act on, used as reason phrase, Proxy-Status details and body;
 *                it never repeats bytes the client sent except validated ones
 */
public record RequestHeadError(Reason reason, int status, String message) {

    public RequestHeadError {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status " + status + " is not an error status");
        }
    }

    static RequestHeadError malformed(String message) {
        return new RequestHeadError(Reason.MALFORMED_REQUEST, 400, "Bad Request: " + message);
    }
}
