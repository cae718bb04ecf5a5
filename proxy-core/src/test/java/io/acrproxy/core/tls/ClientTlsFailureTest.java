package io.acrproxy.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.Reason;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertificateExpiredException;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** How a failed handshake on the TLS port is logged: which reason, and the words. */
class ClientTlsFailureTest {
    private static final ClientTls REQUIRED = new ClientTls(() -> null, Duration.ofSeconds(10), true);
    private static final ClientTls OPTIONAL = new ClientTls(() -> null, Duration.ofSeconds(10), false);

    @Test
    void noCertificateWhileOneIsRequired() {
        ClientTlsFailure f = ClientTlsFailure.of(new SSLHandshakeException("Empty client certificate chain"), REQUIRED);
        assertThat(f.reason()).isEqualTo(Reason.CLIENT_CERT_REJECTED);
        assertThat(f.detail()).isEqualTo("the client presented no certificate, and listenTls.requireClientCert is true");
        assertThat(ClientTlsFailure.of(new javax.net.ssl.SSLHandshakeException(
                "error:100000c0:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE"), REQUIRED))
                .as("BoringSSL's words").isEqualTo(f);
    }

    @Test
    void aCertificateTheCaFileDoesNotAcceptNamesTheValidatorsWords() {
        SSLHandshakeException e = new SSLHandshakeException("PKIX path validation failed");
        e.initCause(new CertificateExpiredException("NotAfter: Mon Nov 30 10:00:00 UTC 2026"));
        ClientTlsFailure f = ClientTlsFailure.of(e, OPTIONAL);
        assertThat(f.reason()).isEqualTo(Reason.CLIENT_CERT_REJECTED);
        assertThat(f.detail()).isEqualTo("the client certificate was not accepted (listenTls.clientCaFile): "
                + "NotAfter: Mon Nov 30 10:00:00 UTC 2026");
    }

    @Test
    void everythingElseIsAFailedHandshake() {
        assertThat(ClientTlsFailure.of(new SslHandshakeTimeoutException("handshake timed out after 10000ms"), OPTIONAL))
                .isEqualTo(new ClientTlsFailure(Reason.CLIENT_TLS_FAILED,
                        "the TLS handshake did not finish within timeouts.requestHeader (10000 ms)"));
        assertThat(ClientTlsFailure.of(new SSLHandshakeException("no cipher suites in common"), OPTIONAL))
                .isEqualTo(new ClientTlsFailure(Reason.CLIENT_TLS_FAILED, "the TLS handshake failed: no cipher suites in common"));
    }
}
