package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** limits.maxConnections (503) and limits.maxConnectionsPerClient (429), both with Retry-After, and slots coming back. */
class LimitsIT {
    @TempDir
    Path dir;

    @Test
    void clientsOutsideClientsAllowAreRefusedBeforeTheirRequest() throws Exception {
        try (ProxyFixture proxy = new ProxyFixture("""
                extraHosts: [example.org]
                clients: {allow: ['127.0.0.61/32', '::1/128']}
                """, dir, new ProxyServerIT.FailingResolver());
             RawProxyClient outsider = new RawProxyClient(proxy.address(), InetAddress.getByName("127.0.0.62"));
             RawProxyClient insider = new RawProxyClient(proxy.address(), InetAddress.getByName("127.0.0.61"))) {
            RawProxyClient.Response refused = outsider.readResponse();
            assertThat(refused.statusLine()).isEqualTo("HTTP/1.1 403 Forbidden by egress policy: client 127.0.0.62 is not in clients.allow");
            assertThat(refused.header("Proxy-Status")).contains("error=http_request_denied");
            assertThat(insider.send("CONNECT evil.example:443 HTTP/1.1\r\n\r\n").readResponse().reasonPhrase())
                    .isEqualTo("Forbidden by egress policy: evil.example is not an allowed host");
        }
    }

    @Test
    void theConnectionOverALimitIsRefusedAndASlotFreesOnClose() throws Exception {
        InetAddress a = InetAddress.getByName("127.0.0.41");
        InetAddress b = InetAddress.getByName("127.0.0.42");
        InetAddress c = InetAddress.getByName("127.0.0.43");
        try (ProxyFixture proxy = new ProxyFixture("""
                extraHosts: [example.org]
                limits: {maxConnections: 3, maxConnectionsPerClient: 2}
                timeouts: {requestHeader: 30s}
                """, dir, new ProxyServerIT.FailingResolver());
             RawProxyClient a1 = new RawProxyClient(proxy.address(), a);
             RawProxyClient a2 = new RawProxyClient(proxy.address(), a)) {
            await().until(() -> proxy.server.openConnections() == 2);

            // A third connection from the same client: 429, and the other clients are unaffected.
            try (RawProxyClient a3 = new RawProxyClient(proxy.address(), a)) {
                RawProxyClient.Response r = a3.readResponse();
                assertThat(r.status()).isEqualTo(429);
                assertThat(r.header("Retry-After")).isEqualTo("2");
                assertThat(r.header("Proxy-Status")).contains("error=connection_limit_reached");
            }
            try (RawProxyClient b1 = new RawProxyClient(proxy.address(), b)) {
                await().until(() -> proxy.server.openConnections() == 3);
                // The proxy is full: 503 for anyone.
                try (RawProxyClient c1 = new RawProxyClient(proxy.address(), c)) {
                    RawProxyClient.Response r = c1.readResponse();
                    assertThat(r.status()).isEqualTo(503);
                    assertThat(r.header("Retry-After")).isEqualTo("2");
                }
                // A slot frees when a connection ends: here a denial, which closes the connection.
                assertThat(b1.send("CONNECT evil.example:443 HTTP/1.1\r\n\r\n").readResponse().status()).isEqualTo(403);
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(proxy.server.openConnections()).isEqualTo(2));
            try (RawProxyClient c2 = new RawProxyClient(proxy.address(), c)) {
                assertThat(c2.send("CONNECT evil.example:443 HTTP/1.1\r\n\r\n").readResponse().status()).isEqualTo(403);
            }
            // ... and when a client goes away without a word.
            a1.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.server.openConnections() == 1);
            try (RawProxyClient a3 = new RawProxyClient(proxy.address(), a)) {
                assertThat(a3.send("CONNECT evil.example:443 HTTP/1.1\r\n\r\n").readResponse().status()).isEqualTo(403);
            }
        }
    }
}
