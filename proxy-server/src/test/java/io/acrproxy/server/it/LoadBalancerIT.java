package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy (the jar) behind a real TCP load balancer, Debian's HAProxy, that opens each connection with a PROXY
 * protocol v2 header (design §2.1). Both clients arrive from HAProxy's address, 127.0.0.91; the proxy judges each
 * by the address in the header, so {@code clients.allow} admits one and refuses the other, and the access log,
 * metrics and {@code /blocked} name the real clients. HAProxy's health checks are counted as probes, not logged.
 * curl's {@code --haproxy-protocol} speaks v1 straight to the proxy.
 *
 * <pre>
 *   curl from 127.0.0.92 (allowed) ─┐
 *   curl from 127.0.0.93 (refused) ─┴─ HAProxy 127.0.0.90 ── from 127.0.0.91, send-proxy-v2 ── proxy 127.0.0.1 ── origin 127.0.0.89
 *   curl --haproxy-protocol from 127.0.0.94 (trusted) / 127.0.0.95 (not trusted; both in clients.allow) ── proxy
 * </pre>
 */
class LoadBalancerIT {
    @RegisterExtension
    static final TlsOriginExtension origin = TlsOriginExtension.on("127.0.0.89");

    @TempDir
    static Path dir;

    private static JarProcess proxy;
    private static int port;
    private static int adminPort;
    private static Haproxy haproxy;

    @BeforeAll
    static void start() throws Exception {
        port = JarProcess.freePort();
        adminPort = JarProcess.freePort();
        Path config = Files.writeString(dir.resolve("proxy.yaml"), """
                listen:
                  address: 127.0.0.1
                  port: %d
                  proxyProtocol: {trustedFrom: ['127.0.0.91/32', '127.0.0.94/32']}
                admin: {port: %d}
                registries: [{name: myregistry}]
                ports: [%d]
                clients: {allow: ['127.0.0.92/32', '127.0.0.94/32', '127.0.0.95/32']}
                destinations: {denyRanges: ['169.254.0.0/16']}
                resolver: {hosts: {myregistry.azurecr.io: 127.0.0.89}}
                timeouts: {requestHeader: 2s}
                """.formatted(port, adminPort, origin.port()));
        proxy = JarProcess.run(config);
        haproxy = Haproxy.start("127.0.0.90", "127.0.0.1:" + port, "127.0.0.91", "200ms");
    }

    @AfterAll
    static void stop() {
        if (haproxy != null) {
            haproxy.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    private static Curl.Result curl(String proxyUrl, String from, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--verbose", "--interface", from, "--cacert",
                TestTls.get().caPem().toString(), "--proxy", proxyUrl));
        args.addAll(List.of(extra));
        args.add("https://myregistry.azurecr.io:" + origin.port() + "/v2/");
        return Curl.run(args.toArray(String[]::new));
    }

    private static String admin(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String accessLine(String client) {
        String field = "\"client\":\"" + client;
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.stdout.stream().anyMatch(l -> l.contains(field)));
        return proxy.stdout.stream().filter(l -> l.contains(field)).reduce((a, b) -> b).orElseThrow();
    }

    private static double metric(String series) throws Exception {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(admin("/metrics"));
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void clientsBehindTheBalancerAreJudgedLoggedAndBlockedAsThemselves() throws Exception {
        Curl.Result allowed = curl(haproxy.url(), "127.0.0.92");
        Curl.Result refused = curl(haproxy.url(), "127.0.0.93");

        assertThat(allowed.exit()).as(allowed.err()).isZero();
        assertThat(allowed.out()).contains("\"path\":\"/v2/\"");
        assertThat(refused.exit()).isEqualTo(56);
        assertThat(refused.received()).contains("HTTP/1.1 403 Forbidden by egress policy: client 127.0.0.93 is not in clients.allow");
        assertThat(accessLine("127.0.0.92")).contains("\"decision\":\"allow\"");
        assertThat(accessLine("127.0.0.93")).contains("\"decision\":\"deny\"", "\"reason\":\"client_not_allowed\"");
        assertThat(proxy.stdout).filteredOn(l -> l.contains("\"method\":\"CONNECT\""))
                .noneMatch(l -> l.contains("\"client\":\"127.0.0.91")); // never HAProxy's own address
        // A target refused for the allowed client: /blocked names that client, not the balancer.
        Curl.Result blocked = Curl.run("--verbose", "--interface", "127.0.0.92", "--proxy", haproxy.url(),
                "https://evilreg.azurecr.io:" + origin.port() + "/v2/");
        assertThat(blocked.received()).first().asString().contains("evilreg.azurecr.io is not an allowed registry endpoint");
        assertThat(admin("/blocked")).containsPattern("\"evilreg.azurecr.io\"[^}]*\"lastClient\" : \"127.0.0.92");
        assertThat(metric("acrproxy_denied_requests_total{group=\"default\",reason=\"client_not_allowed\"}")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void theBalancersHealthChecksAreCountedAsProbesAndNotLogged() throws Exception {
        // HAProxy checks every 200 ms with a LOCAL header (check-send-proxy) and closes
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("acrproxy_probes_total{kind=\"proxy_local\"}") >= 3);

        assertThat(proxy.stdout).noneMatch(l -> l.contains("\"decision\":\"probe\""));
        assertThat(metric("acrproxy_denied_requests_total{group=\"default\",reason=\"proxy_protocol_error\"}")).isZero();
    }

    @Test
    void aConnectionFromTheBalancersAddressWithoutAHeaderIsRefused() throws Exception {
        Curl.Result r = curl("http://127.0.0.1:" + port, "127.0.0.91");

        assertThat(r.exit()).isEqualTo(56);
        assertThat(r.received()).first().asString().startsWith("HTTP/1.1 400 Bad Request: expected a PROXY protocol header "
                + "from the load balancer");
        System.out.println("curl, no PROXY header from a trusted source: " + r.received().get(0));
        assertThat(accessLine("127.0.0.91")).contains("\"reason\":\"proxy_protocol_error\"", "\"rule\":\"listen.proxyProtocol\"");

        try (Socket malformed = new Socket()) {
            malformed.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.91"), 0));
            malformed.connect(new InetSocketAddress("127.0.0.1", port));
            malformed.getOutputStream().write("PROXY TCP4 203.0.113.777 10.0.0.1 1 2\r\n".getBytes(StandardCharsets.US_ASCII));
            malformed.setSoTimeout(10_000);
            String answer = new String(malformed.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 400 Bad Request: the PROXY protocol header from the load balancer is "
                    + "malformed: ");
            System.out.println("malformed PROXY header: " + answer.lines().findFirst().orElseThrow());
        }
    }

    @Test
    void curlsV1HeaderIsTakenFromATrustedSourceAndRefusedFromAnyOther() throws Exception {
        // curl 7.88 sends --haproxy-protocol only to a server it talks to directly, not to a proxy: so it asks the
        // proxy itself for a page, and the answer shows the request was judged as the client the header named.
        String page = "http://127.0.0.1:" + port + "/v2/";
        Curl.Result trusted = Curl.run("--verbose", "--interface", "127.0.0.94", "--haproxy-protocol", page);
        Curl.Result untrusted = Curl.run("--verbose", "--interface", "127.0.0.95", "--haproxy-protocol", page);

        assertThat(trusted.received()).first().asString().startsWith("HTTP/1.1 403 Forbidden by egress policy:")
                .contains("GET requests are not forwarded, only CONNECT tunnels");
        assertThat(accessLine("127.0.0.94")).contains("\"method\":\"GET\"", "\"reason\":\"port_not_allowed\"");
        assertThat(untrusted.received()).contains("HTTP/1.1 400 Bad Request: a PROXY protocol header from 127.0.0.95, "
                + "which is not in listen.proxyProtocol.trustedFrom");
        System.out.println("curl --haproxy-protocol, untrusted source: " + untrusted.received().get(0));
        assertThat(accessLine("127.0.0.95")).contains("\"reason\":\"proxy_protocol_error\"");
    }

    @Test
    void aHeaderThatNeverCompletesIsAnsweredAfterTheTimeoutAndHoldsUpNobody() throws Exception {
        try (Socket slow = new Socket()) {
            slow.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.91"), 0));
            slow.connect(new InetSocketAddress("127.0.0.1", port));
            slow.getOutputStream().write("PROXY TCP4 127.0.0.".getBytes(StandardCharsets.US_ASCII));
            slow.getOutputStream().flush();

            Curl.Result meanwhile = curl(haproxy.url(), "127.0.0.92");
            assertThat(meanwhile.exit()).as(meanwhile.err()).isZero();

            slow.setSoTimeout(10_000);
            InputStream in = slow.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 408 Request timeout: no PROXY protocol header from the load balancer "
                    + "within 2s");
        }
        assertThat(metric("acrproxy_denied_requests_total{group=\"default\",reason=\"header_timeout\"}")).isGreaterThanOrEqualTo(1);
    }
}
