package io.acrproxy.core.inspect;

import java.time.Duration;

/**
 * How the ClientHello is inspected (the {@code sni} section; design §7.2).
 *
 * @param timeout  {@code sni.inspectTimeout}: the whole hello must arrive within it after the {@code 200}
 * @param maxBytes {@code sni.maxClientHelloBytes}: the largest ClientHello handshake message accepted
 */
public record InspectSettings(Duration timeout, int maxBytes) {
    /** The range {@link ClientHelloInspector} takes: a hello needs more than 64 bytes, and TLS caps one at 2^24 - 1. */
    public static final int MIN_BYTES = 64;
    public static final int MAX_BYTES = 1 << 24;

    public InspectSettings {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        if (maxBytes < MIN_BYTES || maxBytes > MAX_BYTES) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: " + MIN_BYTES + ".." + MAX_BYTES + ")");
        }
    }
}
