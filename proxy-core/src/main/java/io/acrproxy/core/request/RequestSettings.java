package io.acrproxy.core.request;

import java.time.Duration;

/**
 * How a request head is read ({@code timeouts.requestHeader}, {@code limits.maxHeaderBytes}; design §4.1).
 *
 * @param headerTimeout  the whole head must arrive within it, or the answer is {@code 408}
 * @param maxHeaderBytes the whole head, line ends included ({@code 431} above it)
 */
public record RequestSettings(Duration headerTimeout, int maxHeaderBytes) {
    public RequestSettings {
        if (headerTimeout.isNegative() || headerTimeout.isZero()) {
            throw new IllegalArgumentException("headerTimeout: " + headerTimeout + " (expected: > 0)");
        }
        if (maxHeaderBytes <= 0) {
            throw new IllegalArgumentException("maxHeaderBytes: " + maxHeaderBytes + " (expected: > 0)");
        }
    }
}
