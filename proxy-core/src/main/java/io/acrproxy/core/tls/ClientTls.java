package io.acrproxy.core.tls;

import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The TLS port's settings (design §2.4): where the server context comes from and how long a handshake may take.
 *
 * @param contexts         the context for the next handshake; it changes when the certificate files are rotated, and
 *                         a connection keeps the one it started with
 * @param handshakeTimeout {@code timeouts.requestHeader}: a client that never finishes its handshake is closed
 * @param certificatesRequired whether the context requires a client certificate ({@code listenTls.requireClientCert}),
 *                         for the refusal's words
 */
public record ClientTls(Supplier<SslContext> contexts, Duration handshakeTimeout, boolean certificatesRequired) {
    public ClientTls {
        Objects.requireNonNull(contexts, "contexts");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    }
}
