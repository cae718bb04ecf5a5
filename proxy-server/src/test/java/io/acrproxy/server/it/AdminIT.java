package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The admin endpoints of a running proxy: exact counters after a scripted sequence, report mode, reload. */
class AdminIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final TlsOriginExtension origin = TlsOriginExtension.on("127.0.0.26");
    private static int closedPort;

    @TempDir
    Path dir;

    @BeforeAll
    static void reserveAClosedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.27"))) {
            closedPort = s.getLocalPort();
        }
    }

    private String yaml(String extra) {
        return """
                registries: [{name: myregistry}]
                extraHosts: [refused.example.org]
                ports: [%d, %d]
                destinations: {denyRanges: ['169.254.0.0/16']}
                resolver: {hosts: {myregistry.azurecr.io: 127.0.0.26, evilreg.azurecr.io: 127.0.0.26, refused.example.org: 127.0.0.27}}
                %s
                """.formatted(origin.port(), closedPort, extra);
    }

    @Test
    void metricsCountEachOutcomeByLabel() throws Exception {
        try (AppFixture f = new AppFixture(yaml(""), dir, new ProxyServerIT.FailingResolver())) {
            // allowed
            HttpClient client = HttpClient.newBuilder().proxy(ProxySelector.of(f.proxyAddress()))
                    .sslContext(TestTls.get().clientContext()).build();
            assertThat(client.send(HttpRequest.newBuilder(URI.create("https://myregistry.azurecr.io:" + origin.port() + "/v2/")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            // denied host, denied port, upstream refused
            for (String target : List.of("evilreg.azurecr.io:" + origin.port(), "myregistry.azurecr.io:8443", "refused.example.org:" + closedPort)) {
                try (RawProxyClient raw = new RawProxyClient(f.proxyAddress())) {
                    raw.send("CONNECT " + target + " HTTP/1.1\r\n\r\n").readResponse();
                }
            }
            // SNI mismatch
            try (RawProxyClient raw = new RawProxyClient(f.proxyAddress())) {
                raw.send("CONNECT myregistry.azurecr.io:" + origin.port() + " HTTP/1.1\r\n\r\n").readResponse();
                SSLSocket tls = TlsTunnels.layer(raw, "evilreg.azurecr.io", origin.port());
                assertThatThrownBy(tls::startHandshake).isInstanceOf(SSLHandshakeException.class);
            }

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Map<String, Double> m = scrape(f);
                assertThat(m.get("acrproxy_requests_total{group=\"default\",result=\"allowed\"}")).isEqualTo(1.0);
                assertThat(m.get("acrproxy_requests_total{group=\"default\",result=\"denied\"}")).isEqualTo(3.0);
                assertThat(m.get("acrproxy_requests_total{group=\"default\",result=\"failed\"}")).isEqualTo(1.0);
                assertThat(m.get("acrproxy_denied_requests_total{group=\"default\",reason=\"host_not_allowed\"}")).isEqualTo(1.0);
                assertThat(m.get("acrproxy_denied_requests_total{group=\"default\",reason=\"port_not_allowed\"}")).isEqualTo(1.0);
                assertThat(m.get("acrproxy_denied_requests_total{group=\"default\",reason=\"sni_mismatch\"}")).isEqualTo(1.0);
                assertThat(m.get("acrproxy_denied_requests_total{group=\"default\",reason=\"ip_literal_not_allowed\"}")).isEqualTo(0.0);
                assertThat(m.get("acrproxy_upstream_failures_total{reason=\"connect_refused\"}")).isEqualTo(1.0);
                assertThat(m.get("acrproxy_would_deny_requests_total{group=\"default\",reason=\"host_not_allowed\"}")).isEqualTo(0.0);
                // The SNI-mismatch tunnel had connected upstream too (the hello is read after the 200).
                assertThat(m.get("acrproxy_upstream_connect_seconds_count")).isEqualTo(2.0);
                assertThat(m).containsKey("jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"}");
            });
            String policyVersion = f.app.proxy().policies().get().version();
            assertThat(scrape(f)).containsKey("acrproxy_policy_info{blob_mode=\"none\",mode=\"enforce\",version=\"" + policyVersion + "\"}");

            JsonNode blocked = JSON.readTree(f.admin("GET", "/blocked").body());
            assertThat(blocked.get("mostFrequent").findValuesAsText("host")).contains("evilreg.azurecr.io", "myregistry.azurecr.io");
            assertThat(blocked.get("mostRecent").findValuesAsText("reason")).contains("host_not_allowed", "port_not_allowed", "sni_mismatch");
        }
    }

    @Test
    void openMetricsByContentNegotiation() throws Exception {
        try (AppFixture f = new AppFixture(yaml(""), dir, new ProxyServerIT.FailingResolver())) {
            HttpResponse<String> om = f.admin("GET", "/metrics", "application/openmetrics-text; version=1.0.0");
            assertThat(om.headers().firstValue("Content-Type").orElse("")).startsWith("application/openmetrics-text");
            assertThat(om.body()).contains("# EOF");
            HttpResponse<String> text = f.admin("GET", "/metrics");
            assertThat(text.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        }
    }

    @Test
    void reportModeLetsADeniedHostThroughAndCountsIt() throws Exception {
        try (AppFixture f = new AppFixture(yaml("mode: report"), dir, new ProxyServerIT.FailingResolver())) {
            HttpClient client = HttpClient.newBuilder().proxy(ProxySelector.of(f.proxyAddress()))
                    .sslContext(TestTls.get().clientContext()).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://evilreg.azurecr.io:" + origin.port() + "/v2/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Map<String, Double> m = scrape(f);
                assertThat(m.get("acrproxy_would_deny_requests_total{group=\"default\",reason=\"host_not_allowed\"}")).isEqualTo(1.0);
                assertThat(m.get("acrproxy_requests_total{group=\"default\",result=\"allowed\"}")).isEqualTo(1.0);
                assertThat(m.get("acrproxy_denied_requests_total{group=\"default\",reason=\"host_not_allowed\"}")).isEqualTo(0.0);
            });
            JsonNode blocked = JSON.readTree(f.admin("GET", "/blocked").body());
            assertThat(blocked.get("mostRecent").get(0).get("decision").asText()).isEqualTo("would_deny");
        }
    }

    @Test
    void explainPolicyHealthAndBadInput() throws Exception {
        try (AppFixture f = new AppFixture(yaml(""), dir, new ProxyServerIT.FailingResolver())) {
            assertThat(f.admin("GET", "/healthz").statusCode()).isEqualTo(200);
            assertThat(f.admin("GET", "/readyz").statusCode()).isEqualTo(200);
            JsonNode explain = JSON.readTree(f.admin("GET", "/explain?host=evilreg.azurecr.io&port=" + origin.port()).body());
            assertThat(explain.get("reason").asText()).isEqualTo("host_not_allowed");
            JsonNode sni = JSON.readTree(f.admin("GET", "/explain?host=myregistry.azurecr.io&port=" + origin.port() + "&sni=x.example").body());
            assertThat(sni.get("reason").asText()).isEqualTo("sni_mismatch");
            for (String bad : List.of("/explain", "/explain?host=127.1", "/explain?host=a.io&port=0", "/explain?host=a.io&port=x",
                    "/explain?host=a.io&client=nope", "/explain?host=a.io&host=b.io", "/blocked?limit=0", "/explain?host=a.io%25")) {
                HttpResponse<String> r = f.admin("GET", bad);
                assertThat(r.statusCode()).as(bad).isEqualTo(400);
                assertThat(JSON.readTree(r.body()).get("error").asText()).as(bad).isNotBlank();
            }
            assertThat(f.admin("POST", "/metrics").statusCode()).isEqualTo(405);
            assertThat(f.admin("GET", "/reload").statusCode()).isEqualTo(405);
            JsonNode policy = JSON.readTree(f.admin("GET", "/policy").body());
            assertThat(policy.get("version").asText()).isEqualTo(f.app.proxy().policies().get().version());
            assertThat(policy.get("allowedHosts").findValuesAsText("pattern")).contains("myregistry.azurecr.io", "refused.example.org");
        }
    }

    /** host=HOST:PORT as the explain command takes it; a port= that disagrees is a 400, not a silent choice. */
    @Test
    void explainTakesTheHostWithItsPortLikeTheCommand() throws Exception {
        try (AppFixture f = new AppFixture(yaml(""), dir, new ProxyServerIT.FailingResolver())) {
            for (String query : List.of("host=myregistry.azurecr.io:8443", "host=myregistry.azurecr.io&port=8443",
                    "host=myregistry.azurecr.io:8443&port=8443")) {
                HttpResponse<String> r = f.admin("GET", "/explain?" + query);
                assertThat(r.statusCode()).as(query).isEqualTo(200);
                assertThat(JSON.readTree(r.body()).get("target").asText()).as(query).isEqualTo("myregistry.azurecr.io:8443");
            }
            assertThat(JSON.readTree(f.admin("GET", "/explain?host=2001:db8::1").body()).get("target").asText())
                    .isEqualTo("[2001:db8::1]:443");
            assertThat(JSON.readTree(f.admin("GET", "/explain?host=%5B2001:db8::1%5D:8443").body()).get("target").asText())
                    .isEqualTo("[2001:db8::1]:8443");
            HttpResponse<String> conflict = f.admin("GET", "/explain?host=myregistry.azurecr.io:8443&port=443");
            assertThat(conflict.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(conflict.body()).get("error").asText()).contains("names port 8443 and port is 443");
        }
    }

    /**
     * Pipelined requests on one connection are answered in order, one at a time; HEAD gets the GET's headers without
     * the body; a request body over 64 KiB is refused, and the admin port goes on answering.
     */
    @Test
    void pipelinedRequestsAreAnsweredInOrderAndHeadHasNoBody() throws Exception {
        try (AppFixture f = new AppFixture(yaml(""), dir, new ProxyServerIT.FailingResolver());
             RawProxyClient raw = new RawProxyClient(f.adminAddress())) {
            raw.send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nHEAD /readyz HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /nope HTTP/1.1\r\nHost: a\r\n\r\nGET /readyz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            RawProxyClient.Response health = raw.readResponse();
            assertThat(health.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(health.body()).isEqualTo("ok\n");
            RawProxyClient.Response head = raw.readHeadOnlyResponse();
            assertThat(head.header("Content-Length")).as("the GET's length").isEqualTo("6");
            assertThat(raw.readResponse().statusLine()).as("right behind the HEAD answer: it sent no body")
                    .isEqualTo("HTTP/1.1 404 Not Found");
            assertThat(raw.readResponse().body()).isEqualTo("ready\n");
            assertThat(raw.closedByPeer()).isTrue();
        }
        try (AppFixture f = new AppFixture(yaml(""), dir, new ProxyServerIT.FailingResolver());
             RawProxyClient raw = new RawProxyClient(f.adminAddress())) {
            raw.send("POST /reload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n");
            assertThat(raw.readResponse().status()).isEqualTo(413);
            assertThat(f.admin("GET", "/healthz").statusCode()).isEqualTo(200);
        }
    }

    /** GET / lists the endpoints; an unknown path, or a known one with more after it, is a 404 that lists them too. */
    @Test
    void theIndexAndEvery404ListTheEndpoints() throws Exception {
        try (AppFixture f = new AppFixture(yaml(""), dir, new ProxyServerIT.FailingResolver())) {
            HttpResponse<String> index = f.admin("GET", "/");
            assertThat(index.statusCode()).isEqualTo(200);
            assertThat(index.body()).contains("/metrics", "/healthz", "/readyz", "/policy", "/blocked", "/explain", "POST /reload");
            for (String path : List.of("/nope", "/metricsx", "/policy/x", "/reloadx")) {
                HttpResponse<String> r = f.admin("GET", path);
                assertThat(r.statusCode()).as(path).isEqualTo(404);
                assertThat(r.body()).as(path).startsWith("no such endpoint: " + path).contains("/explain?host=");
            }
            assertThat(f.admin("GET", "/healthz/").statusCode()).isEqualTo(200);
        }
    }

    /**
     * /policy shows the destination filter as it is applied — the Azure platform address, the IPv6 forms carrying
     * IPv4, the proxy's own sockets — and the config file's absolute path.
     */
    @Test
    void policyShowsTheWholeDestinationFilterAndAbsolutePaths() throws Exception {
        try (AppFixture f = new AppFixture(yaml("").replace("destinations: {denyRanges: ['169.254.0.0/16']}",
                "destinations: {denyRanges: default, allowPrivate: false}"), dir,
                new ProxyServerIT.FailingResolver())) {
            JsonNode destinations = JSON.readTree(f.admin("GET", "/policy").body()).get("destinations");
            assertThat(destinations.get("prohibited").findValuesAsText("range")).contains("127.0.0.0/8", "169.254.0.0/16",
                    "10.0.0.0/8", "fc00::/7", "168.63.129.16/32");
            assertThat(destinations.get("prohibited").findValuesAsText("what")).contains("Azure platform address");
            assertThat(destinations.get("embeddedIpv4JudgedIn")).extracting(JsonNode::asText)
                    .contains("IPv4-mapped ::ffff:0:0/96", "NAT64 64:ff9b::/96", "6to4 2002::/16");
            assertThat(destinations.get("ownListeningSockets")).extracting(JsonNode::asText)
                    .contains(io.acrproxy.policy.net.IpAddresses.toText(f.proxyAddress()));
            String configFile = JSON.readTree(f.admin("GET", "/policy").body()).get("sources").get("configFile").asText();
            assertThat(java.nio.file.Path.of(configFile).isAbsolute()).as(configFile).isTrue();
        }
    }

    @Test
    void reloadSwapsThePolicyAndNeverFailsOpen() throws Exception {
        try (AppFixture f = new AppFixture(yaml(""), dir, new ProxyServerIT.FailingResolver())) {
            String before = f.app.proxy().policies().get().version();
            Files.writeString(f.configFile, yaml("").replace("registries: [{name: myregistry}]", "registries: [{name: My_Reg}]"));
            HttpResponse<String> failed = f.admin("POST", "/reload");
            assertThat(failed.statusCode()).isEqualTo(422);
            try (RawProxyClient raw = new RawProxyClient(f.adminAddress())) {
                assertThat(raw.send("POST /reload HTTP/1.1\r\nHost: admin\r\nContent-Length: 0\r\n\r\n").readResponse()
                        .statusLine()).as("with its reason phrase").isEqualTo("HTTP/1.1 422 Unprocessable Entity");
            }
            assertThat(failed.body()).contains("registries[0].name");
            assertThat(f.app.proxy().policies().get().version()).isEqualTo(before);
            assertThat(scrape(f).get("acrproxy_policy_reloads_total{result=\"failure\",source=\"config\"}")).as("two failed reloads").isEqualTo(2.0);

            Files.writeString(f.configFile, yaml("").replace("[{name: myregistry}]", "[{name: myregistry}, {name: evilreg}]"));
            HttpResponse<String> ok = f.admin("POST", "/reload");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(f.app.proxy().policies().get().version()).isNotEqualTo(before);
            try (RawProxyClient raw = new RawProxyClient(f.proxyAddress())) {
                assertThat(raw.send("CONNECT evilreg.azurecr.io:" + origin.port() + " HTTP/1.1\r\n\r\n").readResponse().status()).isEqualTo(200);
            }
            assertThat(JSON.readTree(f.admin("GET", "/policy").body()).get("sources").get("lastReload").get("result").asText()).isEqualTo("success");
        }
    }

    @Test
    void everyMetricTheDashboardAndAlertsUseIsExposed() throws Exception {
        // The per-parent meters exist once a parent is configured (their label values are the parents' names), the TLS
        // port's once listenTls is.
        org.junit.jupiter.api.Assumptions.assumeTrue(io.acrproxy.server.tls.TestPki.available(), "openssl is not installed");
        io.acrproxy.server.tls.TestPki pki = new io.acrproxy.server.tls.TestPki(Files.createDirectories(dir.resolve("pki")));
        io.acrproxy.server.tls.TestPki.Issued cert = pki.server("proxy", "proxy.test",
                io.acrproxy.server.tls.TestPki.KeyForm.EC_PKCS8, 2);
        try (AppFixture f = new AppFixture(yaml("parents: [{name: corp, url: 'http://127.0.0.74:9'}]\n"
                + "listenTls: {address: 127.0.0.1, port: " + JarProcess.freePort() + ", certFile: '" + cert.certificate()
                + "', keyFile: '" + cert.key() + "'}"), dir, new ProxyServerIT.FailingResolver())) {
            // jvm_gc_pause_seconds appears with the first collection Micrometer is told about.
            System.gc();
            await().atMost(Duration.ofSeconds(10)).until(() -> f.admin("GET", "/metrics").body().contains("jvm_gc_pause_seconds"));
            java.util.Set<String> exposed = new java.util.HashSet<>();
            for (String line : f.admin("GET", "/metrics").body().split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    String name = line.split(" ")[2];
                    exposed.add(name);
                    for (String suffix : List.of("_bucket", "_count", "_sum", "_total")) {
                        exposed.add(name + suffix);
                    }
                }
            }
            Path root = io.acrproxy.server.RepositoryRoot.find();
            String artifacts = Files.readString(root.resolve("docker/grafana-dashboard.json"))
                    + Files.readString(root.resolve("docker/prometheus-alerts.yml"));
            Matcher m = Pattern.compile("\\b((?:acrproxy|jvm|process|netty|system)_[a-z_]+)").matcher(artifacts);
            java.util.Set<String> used = new java.util.TreeSet<>();
            while (m.find()) {
                used.add(m.group(1));
            }
            assertThat(used).isNotEmpty();
            assertThat(used).allSatisfy(name -> assertThat(exposed).as("exposed metric names").contains(name));
        }
    }

    @Test
    void revokeOnReloadClosesOnlyTunnelsTheNewPolicyRefuses() throws Exception {
        String both = yaml("").replace("[{name: myregistry}]", "[{name: myregistry}, {name: evilreg}]");
        try (AppFixture f = new AppFixture(both, dir, new ProxyServerIT.FailingResolver());
             RawProxyClient toEvil = new RawProxyClient(f.proxyAddress());
             RawProxyClient toMine = new RawProxyClient(f.proxyAddress())) {
            SSLSocket evil = TlsTunnels.open(toEvil, "evilreg.azurecr.io", origin.port());
            SSLSocket mine = TlsTunnels.open(toMine, "myregistry.azurecr.io", origin.port());
            assertThat(TlsTunnels.get(evil, "evilreg.azurecr.io").status()).isEqualTo(200);
            assertThat(TlsTunnels.get(mine, "myregistry.azurecr.io").status()).isEqualTo(200);

            Files.writeString(f.configFile, yaml(""));
            assertThat(f.admin("POST", "/reload").statusCode()).isEqualTo(200);

            // The revoked tunnel ends (EOF or reset); the other keeps flowing on the same connection.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThatThrownBy(() -> TlsTunnels.get(evil, "evilreg.azurecr.io")).isInstanceOf(IOException.class));
            assertThat(TlsTunnels.get(mine, "myregistry.azurecr.io").status()).isEqualTo(200);
            assertThat(scrape(f).get("acrproxy_tunnels_revoked_total")).isEqualTo(1.0);
            await().atMost(Duration.ofSeconds(5)).until(() -> scrape(f).get("acrproxy_connections_ended_total{end=\"revoked\"}") != null
                    && scrape(f).get("acrproxy_connections_ended_total{end=\"revoked\"}") == 1.0);
        }
    }

    @Test
    void ipLiteralConnectNeedsAServiceTagAndAnAllowedServerName() throws Exception {
        Files.writeString(dir.resolve("tags.json"), """
                {"changeNumber": 1, "cloud": "Public", "values": [
                  {"name": "AzureContainerRegistry.EastUS", "properties": {"addressPrefixes": ["127.0.0.26/32"]}}]}
                """);
        String config = yaml("serviceTags: {source: tags.json, tags: [AzureContainerRegistry.EastUS], allowIpLiterals: true}");
        try (AppFixture f = new AppFixture(config, dir, new ProxyServerIT.FailingResolver())) {
            try (RawProxyClient raw = new RawProxyClient(f.proxyAddress())) {
                RawProxyClient.Response r = raw.send("CONNECT 127.0.0.26:" + origin.port() + " HTTP/1.1\r\n\r\n").readResponse();
                assertThat(r.status()).isEqualTo(200);
                SSLSocket tls = TlsTunnels.layer(raw, "myregistry.azurecr.io", origin.port());
                tls.startHandshake();
                assertThat(TlsTunnels.get(tls, "myregistry.azurecr.io").status()).isEqualTo(200);
            }
            try (RawProxyClient raw = new RawProxyClient(f.proxyAddress())) {
                raw.send("CONNECT 127.0.0.26:" + origin.port() + " HTTP/1.1\r\n\r\n").readResponse();
                SSLSocket tls = TlsTunnels.layer(raw, "evilreg.azurecr.io", origin.port());
                assertThatThrownBy(tls::startHandshake).isInstanceOf(SSLHandshakeException.class);
            }
            try (RawProxyClient raw = new RawProxyClient(f.proxyAddress())) {
                RawProxyClient.Response r = raw.send("CONNECT 127.0.0.27:" + origin.port() + " HTTP/1.1\r\n\r\n").readResponse();
                assertThat(r.status()).isEqualTo(403);
                assertThat(r.header("Proxy-Status")).contains("error=destination_ip_prohibited");
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Map<String, Double> m = scrape(f);
                assertThat(m.get("acrproxy_denied_requests_total{group=\"default\",reason=\"sni_mismatch\"}")).isEqualTo(1.0);
                assertThat(m.get("acrproxy_denied_requests_total{group=\"default\",reason=\"ip_literal_not_allowed\"}")).isEqualTo(1.0);
                assertThat(m.get("acrproxy_service_tags_change_number")).isEqualTo(1.0);
            });
        }
    }


    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*})?) (\\S+)$");

    /** The text exposition as sample → value. */
    private static Map<String, Double> scrape(AppFixture f) throws Exception {
        Map<String, Double> out = new java.util.HashMap<>();
        for (String line : f.admin("GET", "/metrics").body().split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.matches()) {
                out.put(m.group(1), Double.parseDouble(m.group(2)));
            }
        }
        return out;
    }
}
