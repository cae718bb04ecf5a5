package io.acrproxy.core.tls;

import io.acrproxy.policy.Reason;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertificateException;

/**
 * Why a client's handshake on the TLS port failed, in the access log's words: {@code client_cert_rejected} when the
 * client certificate was missing or not accepted, {@code client_tls_failed} for everything else (no common version or
 * cipher suite, a timeout, bytes that are not TLS after all).
 */
record ClientTlsFailure(Reason reason, String detail) {
    /**
     * The engines' words when {@code REQUIRE} client authentication meets a client without a certificate: the JDK's
     * (TLS 1.3 sends {@code certificate_required}, TLS 1.2 {@code bad_certificate}, with this message either way) and
     * BoringSSL's through netty-tcnative.
     */
    private static final java.util.List<String> NO_CLIENT_CERTIFICATE = java.util.List.of(
            "Empty client certificate chain", "PEER_DID_NOT_RETURN_A_CERTIFICATE");

    static ClientTlsFailure of(Throwable cause, ClientTls tls) {
        if (cause instanceof SslHandshakeTimeoutException) {
            return new ClientTlsFailure(Reason.CLIENT_TLS_FAILED, "the TLS handshake did not finish within "
                    + "timeouts.requestHeader (" + tls.handshakeTimeout().toMillis() + " ms)");
        }
        String message = String.valueOf(cause.getMessage());
        if (tls.certificatesRequired() && NO_CLIENT_CERTIFICATE.stream().anyMatch(message::contains)) {
            return new ClientTlsFailure(Reason.CLIENT_CERT_REJECTED,
                    "the client presented no certificate, and listenTls.requireClientCert is true");
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof CertificateException) {
                return new ClientTlsFailure(Reason.CLIENT_CERT_REJECTED, "the client certificate was not accepted "
                        + "(listenTls.clientCaFile): " + t.getMessage());
            }
        }
        return new ClientTlsFailure(Reason.CLIENT_TLS_FAILED, "the TLS handshake failed: " + message);
    }
}
