package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exposition as Prometheus itself sees it: {@code promtool check metrics} accepts it, and a real
 * Prometheus server on loopback scrapes the admin port and answers a query for one of our counters.
 * Both come from Debian's {@code prometheus} package, which .ci/run installs.
 */
class PrometheusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private static final String CONFIG = """
            extraHosts: [blocked.example.org]
            ports: [443]
            """;

    @Test
    void promtoolAcceptsTheExposition() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")), "promtool is not installed (.ci/run installs Debian's prometheus)");
        try (AppFixture f = new AppFixture(CONFIG, dir, new ProxyServerIT.FailingResolver())) {
            String exposition = f.admin("GET", "/metrics").body();
            Process p = new ProcessBuilder("/usr/bin/promtool", "check", "metrics").redirectErrorStream(true).start();
            p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(output).isZero();
        }
    }

    @Test
    void aRealPrometheusScrapesTheAdminPort() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prometheus")), "prometheus is not installed (.ci/run installs it)");
        try (AppFixture f = new AppFixture(CONFIG, dir, new ProxyServerIT.FailingResolver())) {
            try (RawProxyClient raw = new RawProxyClient(f.proxyAddress())) {
                raw.send("CONNECT evilreg.azurecr.io:443 HTTP/1.1\r\n\r\n").readResponse();
            }
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                port = probe.getLocalPort();
            }
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global: {scrape_interval: 1s, evaluation_interval: 1s}
                    scrape_configs:
                      - job_name: acr-egress-proxy
                        metrics_path: /metrics
                        static_configs: [{targets: ['127.0.0.1:%d']}]
                    """.formatted(f.app.admin().address().getPort()));
            Process prometheus = new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            try {
                String api = "http://127.0.0.1:" + port + "/api/v1/";
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                    JsonNode targets = get(api + "targets").get("data").get("activeTargets");
                    assertThat(targets).hasSize(1);
                    assertThat(targets.get(0).get("health").asText()).isEqualTo("up");
                });
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                    String query = URLEncoder.encode("acrproxy_denied_requests_total{reason=\"host_not_allowed\"}", StandardCharsets.UTF_8);
                    JsonNode result = get(api + "query?query=" + query).get("data").get("result");
                    assertThat(result).hasSize(1);
                    assertThat(result.get(0).get("value").get(1).asText()).isEqualTo("1");
                });
            } finally {
                prometheus.destroy();
                prometheus.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private JsonNode get(String url) throws IOException, InterruptedException {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }
}
