package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** A verified TLS session with a test origin through a proxy tunnel, and HTTP requests inside it. */
final class TlsTunnels {
    private TlsTunnels() {
    }

    /** CONNECT host:port, expect 200, then a TLS handshake with SNI and host-name verification. */
    static SSLSocket open(RawProxyClient raw, String host, int port) throws Exception {
        assertThat(raw.send("CONNECT " + host + ":" + port + " HTTP/1.1\r\n\r\n").readResponse().status()).isEqualTo(200);
        SSLSocket tls = layer(raw, host, port);
        tls.startHandshake();
        return tls;
    }

    /** A TLS client socket over an established tunnel, sending {@code sni} and verifying that name; not yet handshaken. */
    static SSLSocket layer(RawProxyClient raw, String sni, int port) throws Exception {
        SSLSocket tls = (SSLSocket) TestTls.get().clientContext().getSocketFactory().createSocket(raw.socket, sni, port, false);
        SSLParameters params = tls.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(sni)));
        params.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(params);
        return tls;
    }

    /** {@code GET /v2/} on a kept-alive connection. */
    static RawProxyClient.Response get(SSLSocket tls, String host) throws IOException {
        tls.getOutputStream().write(("GET /v2/ HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        tls.getOutputStream().flush();
        return RawProxyClient.readResponse(tls.getInputStream());
    }
}
