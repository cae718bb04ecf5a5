package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.acrproxy.core.dns.HostResolver;
import io.acrproxy.core.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The proxy end to end on loopback, on every transport this machine has: real sockets, a real TLS origin
 * on 127.0.0.21 (verified by the client), real clients (JDK HttpClient, raw sockets, a JDK TLS engine).
 */
class ProxyServerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final TlsOriginExtension origin = TlsOriginExtension.on("127.0.0.21");

    @TempDir
    Path dir;

    static Stream<String> transports() {
        return Transport.available().stream().map(Transport::configName);
    }

    private ProxyFixture proxy(String transport, String extra) throws Exception {
        return proxy(transport, extra, null);
    }

    private ProxyFixture proxy(String transport, String extra, HostResolver dns) throws Exception {
        String yaml = """
                registries: [{name: myregistry, dataEndpointRegions: [eastus]}]
                extraHosts: [refused.example.org, unresolvable.example.org]
                ports: [%d, %d]
                # Loopback stands for the internet here, so the default deny of 127.0.0.0/8 is replaced.
                destinations: {denyRanges: ['169.254.0.0/16'], allowPrivate: true}
                resolver:
                  hosts:
                    myregistry.azurecr.io: 127.0.0.21
                    myregistry.eastus.data.azurecr.io: 127.0.0.21
                    evilreg.azurecr.io: 127.0.0.21
                    refused.example.org: 127.0.0.23
                transport: %s
                %s
                """.formatted(origin.port(), closedPort(), transport, extra);
        return new ProxyFixture(yaml, dir, dns != null ? dns : new FailingResolver());
    }

    private static int closedPortValue;

    /** A port on 127.0.0.23 where nothing listens (bound once, then closed). */
    private static synchronized int closedPort() throws IOException {
        if (closedPortValue == 0) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.23"))) {
                closedPortValue = s.getLocalPort();
            }
        }
        return closedPortValue;
    }

    @ParameterizedTest
    @MethodSource("transports")
    void allowedRegistryIsReachableWithTlsVerified(String transport) throws Exception {
        try (ProxyFixture proxy = proxy(transport, "")) {
            HttpClient client = HttpClient.newBuilder()
                    .proxy(ProxySelector.of(proxy.address()))
                    .sslContext(TestTls.get().clientContext())
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("https://myregistry.azurecr.io:" + origin.port() + "/v2/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"path\":\"/v2/\"");
            assertThat(response.headers().firstValue("Docker-Distribution-Api-Version")).contains("registry/2.0");
            // HttpClient keeps the tunnel for its next request; stopping the proxy ends it and writes the line.
            proxy.server.stop(Duration.ZERO);

            JsonNode line = awaitAccessLine(proxy, "myregistry.azurecr.io");
            assertThat(line.get("decision").asText()).isEqualTo("allow");
            assertThat(line.get("rule").asText()).isEqualTo("registry myregistry: login server");
            assertThat(line.get("sni").asText()).isEqualTo("myregistry.azurecr.io");
            assertThat(line.get("upstream").asText()).isEqualTo("127.0.0.21:" + origin.port());
            assertThat(line.get("bytes_up").asLong()).isPositive();
            assertThat(line.get("bytes_down").asLong()).isPositive();
            assertThat(line.get("end").asText()).as("still open when the (zero) drain ran out").isEqualTo("drain");
            assertThat(line.get("detail").isNull()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void anotherRegistryIsDeniedWithAReasonAPersonCanAct(String transport) throws Exception {
        try (ProxyFixture proxy = proxy(transport, "");
             RawProxyClient client = new RawProxyClient(proxy.address())) {
            RawProxyClient.Response r = client.send("CONNECT evilreg.azurecr.io:" + origin.port() + " HTTP/1.1\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.reasonPhrase()).isEqualTo("Forbidden by egress policy: evilreg.azurecr.io is not an allowed registry endpoint");
            assertThat(r.header("Proxy-Status")).contains("error=http_request_denied");
            assertThat(r.body()).contains("evilreg.azurecr.io is not an allowed registry endpoint");
            assertThat(client.closedByPeer()).isTrue();
            JsonNode line = awaitAccessLine(proxy, "evilreg.azurecr.io");
            assertThat(line.get("decision").asText()).isEqualTo("deny");
            assertThat(line.get("reason").asText()).isEqualTo("host_not_allowed");
            assertThat(line.get("end").asText()).isEqualTo("refused");
            assertThat(line.get("detail").asText()).as("the text the client got").isEqualTo(r.reasonPhrase());
        }
    }

    /** An over-long request line is its own reason, and the line says what the client was told. */
    @ParameterizedTest
    @MethodSource("transports")
    void anOverLongRequestLineIsRequestLineTooLong(String transport) throws Exception {
        try (ProxyFixture proxy = proxy(transport, "");
             RawProxyClient client = new RawProxyClient(proxy.address())) {
            RawProxyClient.Response r = client.send("CONNECT " + "a".repeat(9000) + ".example:443 HTTP/1.1\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(414);
            await().atMost(Duration.ofSeconds(10)).until(() -> !proxy.accessLines().isEmpty());
            JsonNode line = JSON.readTree(proxy.accessLines().get(0));
            assertThat(line.get("reason").asText()).isEqualTo("request_line_too_long");
            assertThat(line.get("detail").asText()).isEqualTo(r.reasonPhrase()).startsWith("URI Too Long: ");
            assertThat(line.get("end").asText()).isEqualTo("refused");
        }
    }

    /**
     * A client that goes away in the middle of its ClientHello was allowed, and its line says it ended before a
     * tunnel was relayed, instead of reading like a normal allowed tunnel.
     */
    @ParameterizedTest
    @MethodSource("transports")
    void aClientThatLeavesInTheMiddleOfItsClientHelloIsLoggedAsSuch(String transport) throws Exception {
        try (ProxyFixture proxy = proxy(transport, "")) {
            try (RawProxyClient client = new RawProxyClient(proxy.address())) {
                RawProxyClient.Response r = client.send("CONNECT myregistry.azurecr.io:" + origin.port() + " HTTP/1.1\r\n\r\n")
                        .readResponse();
                assertThat(r.status()).isEqualTo(200);
                client.send("\u0016\u0003\u0001\u0002\u0000\u0001"); // a handshake record that promises 512 bytes
            }
            JsonNode line = awaitAccessLine(proxy, "myregistry.azurecr.io");
            assertThat(line.get("decision").asText()).isEqualTo("allow");
            assertThat(line.get("end").asText()).isEqualTo("closed_before_hello");
            assertThat(line.get("sni").isNull()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void sniMismatchIsRefusedAfterThe200AndNothingIsForwarded(String transport) throws Exception {
        try (ProxyFixture proxy = proxy(transport, "");
             RawProxyClient client = new RawProxyClient(proxy.address())) {
            int before = origin.requests();
            RawProxyClient.Response r = client.send("CONNECT myregistry.azurecr.io:" + origin.port() + " HTTP/1.1\r\n\r\n").readResponse();
            assertThat(r.statusLine()).isEqualTo("HTTP/1.1 200 Connection established");
            assertThat(r.headers()).isEmpty();
            SSLSocket tls = TlsTunnels.layer(client, "evilreg.azurecr.io", origin.port());
            assertThatThrownBy(tls::startHandshake).isInstanceOf(SSLHandshakeException.class);
            assertThat(origin.requests()).isEqualTo(before);
            JsonNode line = awaitAccessLine(proxy, "myregistry.azurecr.io");
            assertThat(line.get("reason").asText()).isEqualTo("sni_mismatch");
            assertThat(line.get("sni").asText()).isEqualTo("evilreg.azurecr.io");
            assertThat(line.get("end").asText()).isEqualTo("refused");
            assertThat(line.get("detail").asText()).contains("evilreg.azurecr.io");
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void clientHelloPipelinedBehindTheConnectHeadIsNotLost(String transport) throws Exception {
        try (ProxyFixture proxy = proxy(transport, "")) {
            String[] result = PipelinedTlsClient.get(proxy.address(), "myregistry.azurecr.io", origin.port(),
                    "myregistry.azurecr.io", TestTls.get().clientContext(), "/v2/");
            assertThat(result[0]).isEqualTo("HTTP/1.1 200 Connection established");
            assertThat(result[1]).startsWith("HTTP/1.1 200").contains("\"path\":\"/v2/\"");
        }
    }

    /**
     * The FIN arrives with the head, while the proxy resolves and connects, before the inspector is in the
     * pipeline: the tunnel must still end at once, not at the inspection timeout.
     */
    @ParameterizedTest
    @MethodSource("transports")
    void aClientThatHalfClosesRightAfterTheHeadIsClosedWithoutWaitingForAHello(String transport) throws Exception {
        try (ProxyFixture proxy = proxy(transport, "sni: {inspectTimeout: 60s}");
             RawProxyClient client = new RawProxyClient(proxy.address())) {
            client.send("CONNECT myregistry.azurecr.io:" + origin.port() + " HTTP/1.1\r\n\r\n");
            client.socket.shutdownOutput();
            client.socket.setSoTimeout(10_000);

            assertThat(client.readResponse().statusLine()).isEqualTo("HTTP/1.1 200 Connection established");
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    /** A TCP health check (connect, close, nothing sent) is a probe: counted, not a denial, logged only on request. */
    @ParameterizedTest
    @MethodSource("transports")
    void aConnectThatSendsNothingIsAProbeLoggedOnlyWithLogProbes(String transport) throws Exception {
        for (boolean logProbes : new boolean[] {false, true}) {
            try (ProxyFixture proxy = proxy(transport, "listen: {logProbes: " + logProbes + "}")) {
                try (java.net.Socket check = new java.net.Socket()) {
                    check.connect(proxy.address());
                }
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                        proxy.registry.find("acrproxy.probes").tag("kind", "empty").counter() != null
                                && proxy.registry.get("acrproxy.probes").tag("kind", "empty").counter().count() == 1);
                proxy.server.stop(java.time.Duration.ZERO); // writes the access-log queue out

                assertThat(proxy.registry.get("acrproxy.requests").tag("result", "denied").counter().count()).isZero();
                if (logProbes) {
                    assertThat(proxy.accessLines()).singleElement().asString()
                            .contains("\"decision\":\"probe\"", "\"rule\":\"empty\"", "\"reason\":null");
                } else {
                    assertThat(proxy.accessLines()).isEmpty();
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void upstreamRefusedIs502(String transport) throws Exception {
        try (ProxyFixture proxy = proxy(transport, "");
             RawProxyClient client = new RawProxyClient(proxy.address())) {
            RawProxyClient.Response r = client.send("CONNECT refused.example.org:" + closedPort() + " HTTP/1.1\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("Proxy-Status")).contains("error=connection_refused");
            assertThat(awaitAccessLine(proxy, "refused.example.org").get("reason").asText()).isEqualTo("connect_refused");
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void upstreamThatNeverAnswersIs504(String transport) throws Exception {
        // A listener whose accept queue is full: Linux drops further SYNs (tcp_abort_on_overflow=0), so a
        // connect to it neither succeeds nor fails until the proxy's upstreamConnect timeout.
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.25"))) {
            List<java.nio.channels.SocketChannel> fillers = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open();
                    c.configureBlocking(false);
                    c.connect(full.getLocalSocketAddress());
                    fillers.add(c);
                }
                String extra = "timeouts: {upstreamConnect: 500ms}\nports: [%d]\nextraHosts: [blackhole.example.org]\n".formatted(full.getLocalPort())
                        + "resolver: {hosts: {blackhole.example.org: 127.0.0.25}}";
                try (ProxyFixture proxy = new ProxyFixture(extra + "\ndestinations: {denyRanges: ['169.254.0.0/16']}\ntransport: " + transport,
                        dir, new FailingResolver());
                     RawProxyClient client = new RawProxyClient(proxy.address())) {
                    RawProxyClient.Response r = client.send("CONNECT blackhole.example.org:" + full.getLocalPort() + " HTTP/1.1\r\n\r\n")
                            .readResponse();
                    assertThat(r.status()).isEqualTo(504);
                    assertThat(r.header("Proxy-Status")).contains("error=connection_timeout");
                }
            } finally {
                for (java.nio.channels.SocketChannel c : fillers) {
                    c.close();
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void dnsFailureIs502(String transport) throws Exception {
        try (ProxyFixture proxy = proxy(transport, "");
             RawProxyClient client = new RawProxyClient(proxy.address())) {
            RawProxyClient.Response r = client.send("CONNECT unresolvable.example.org:" + origin.port() + " HTTP/1.1\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("Proxy-Status")).contains("error=dns_error");
            assertThat(awaitAccessLine(proxy, "unresolvable.example.org").get("reason").asText()).isEqualTo("dns_error");
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void plainHttpRegistryRequestGetsARegistryStyleError(String transport) throws Exception {
        try (ProxyFixture proxy = proxy(transport, "");
             RawProxyClient client = new RawProxyClient(proxy.address())) {
            RawProxyClient.Response r = client.send("GET http://evilreg.azurecr.io:" + origin.port() + "/v2/ HTTP/1.1\r\nHost: evilreg.azurecr.io\r\n\r\n")
                    .readResponse();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("Content-Type")).startsWith("application/json");
            JsonNode error = JSON.readTree(r.body()).get("errors").get(0);
            assertThat(error.get("code").asText()).isEqualTo("DENIED");
            assertThat(error.get("message").asText()).contains("evilreg.azurecr.io is not an allowed registry endpoint")
                    .contains("only CONNECT tunnels");
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void slowRequestHeadIs408(String transport) throws Exception {
        try (ProxyFixture proxy = proxy(transport, "timeouts: {requestHeader: 300ms}");
             RawProxyClient client = new RawProxyClient(proxy.address())) {
            RawProxyClient.Response r = client.send("CONNECT myregistry.azurecr.io:" + origin.port() + " HTTP/1.1\r\n").readResponse();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.reasonPhrase()).startsWith("Request timeout: the request head did not arrive within 300ms");
            // The head never completed, so the line has no target; it has the reason.
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.accessLines().stream().anyMatch(l -> l.contains("\"reason\":\"header_timeout\"")));
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void dnsTimeoutIs504(String transport) throws Exception {
        // A name server on loopback that reads queries and never answers.
        try (java.net.DatagramSocket silent = new java.net.DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.53"), 0))) {
            HostResolver dns = new io.acrproxy.core.dns.NettyHostResolver(Transport.select(transport), Duration.ofMillis(400),
                    List.of((InetSocketAddress) silent.getLocalSocketAddress()));
            try (ProxyFixture proxy = proxy(transport, "", dns);
                 RawProxyClient client = new RawProxyClient(proxy.address())) {
                RawProxyClient.Response r = client.send("CONNECT unresolvable.example.org:" + origin.port() + " HTTP/1.1\r\n\r\n").readResponse();
                assertThat(r.status()).isEqualTo(504);
                assertThat(r.header("Proxy-Status")).contains("error=dns_timeout");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void gracefulStopDrainsOpenTunnels(String transport) throws Exception {
        try (ProxyFixture proxy = proxy(transport, "timeouts: {drain: 10s}");
             RawProxyClient client = new RawProxyClient(proxy.address())) {
            client.send("CONNECT myregistry.azurecr.io:" + origin.port() + " HTTP/1.1\r\n\r\n").readResponse();
            await().until(() -> proxy.server.openConnections() == 1);
            Thread stopper = new Thread(() -> {
                try {
                    proxy.server.stop(Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            stopper.start();
            // New connections are refused while the open tunnel may still finish.
            await().untilAsserted(() -> assertThatThrownBy(() -> new RawProxyClient(proxy.address()).close()).isInstanceOf(IOException.class));
            assertThat(stopper.isAlive()).isTrue();
            client.close();
            stopper.join(Duration.ofSeconds(10).toMillis());
            assertThat(stopper.isAlive()).isFalse();
        }
    }

    private static JsonNode awaitAccessLine(ProxyFixture proxy, String targetHost) {
        JsonNode[] found = new JsonNode[1];
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (String line : proxy.accessLines()) {
                JsonNode node = JSON.readTree(line);
                if (node.path("target").asText().startsWith(targetHost + ":")) {
                    found[0] = node;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** Stands for DNS: every name outside resolver.hosts fails to resolve, as an unknown name does. */
    static final class FailingResolver implements HostResolver {
        @Override
        public Future<List<InetAddress>> resolve(String host, EventLoop loop) {
            return loop.newFailedFuture(new UnknownHostException(host + ": NXDOMAIN"));
        }

        @Override
        public void close() {
        }
    }
}
