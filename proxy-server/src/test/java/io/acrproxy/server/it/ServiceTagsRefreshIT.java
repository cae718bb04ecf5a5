package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A URL service-tags source in the running proxy: a changed file on the server becomes the policy (through
 * the atomically replaced cache), a broken download changes nothing, and POST /reload fetches first.
 */
class ServiceTagsRefreshIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String tags(int changeNumber, String prefix) {
        return """
                {"changeNumber": %d, "cloud": "Public", "values": [
                  {"name": "AzureContainerRegistry.EastUS", "properties": {"addressPrefixes": ["%s"]}}]}
                """.formatted(changeNumber, prefix);
    }

    @Test
    void downloadsBecomeThePolicyAndBrokenOnesDoNot() throws Exception {
        AtomicReference<String> served = new AtomicReference<>(tags(2, "21.0.0.0/8"));
        AtomicInteger status = new AtomicInteger(200);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.30"), 0), 10);
        server.setHttpsConfigurator(new HttpsConfigurator(TestTls.get().serverContext()));
        server.createContext("/tags.json", exchange -> {
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            Files.writeString(dir.resolve("cache.json"), tags(1, "20.0.0.0/8"));
            String config = """
                    registries: [{name: myregistry}]
                    serviceTags:
                      source: https://127.0.0.30:%d/tags.json
                      cacheFile: cache.json
                      refreshInterval: 1h
                      tags: [AzureContainerRegistry.EastUS]
                      allowIpLiterals: true
                    """.formatted(server.getAddress().getPort());
            // The test certificate names 127.0.0.30 too, so the client verifies the server for real.
            HttpClient client = HttpClient.newBuilder().sslContext(TestTls.get().clientContext()).build();
            try (AppFixture f = new AppFixture(config, dir, new ProxyServerIT.FailingResolver(), client)) {
                // Start-up used the cache (change 1); the first fetch brings change 2 in.
                await().atMost(Duration.ofSeconds(10)).until(() -> verdict(f, "21.1.2.3").equals("allow"));
                assertThat(verdict(f, "20.1.2.3")).isEqualTo("deny");
                assertThat(Files.readString(dir.resolve("cache.json"))).contains("\"changeNumber\": 2");
                assertThat(f.admin("GET", "/metrics").body()).contains("acrproxy_service_tags_change_number 2.0");

                // A broken download (500, then a truncated body) leaves everything as it was.
                String version = f.app.proxy().policies().get().version();
                status.set(500);
                f.admin("POST", "/reload");
                served.set(tags(3, "22.0.0.0/8").substring(0, 40));
                status.set(200);
                f.admin("POST", "/reload");
                assertThat(f.app.proxy().policies().get().version()).isEqualTo(version);
                assertThat(Files.readString(dir.resolve("cache.json"))).contains("\"changeNumber\": 2");

                // POST /reload fetches first: a new file on the server is in force when it returns.
                served.set(tags(3, "22.0.0.0/8"));
                assertThat(f.admin("POST", "/reload").statusCode()).isEqualTo(200);
                assertThat(verdict(f, "22.1.2.3")).isEqualTo("allow");
                assertThat(verdict(f, "21.1.2.3")).isEqualTo("deny");
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aFirstStartFetchesIntoTheMissingCache() throws Exception {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.30"), 0), 10);
        server.setHttpsConfigurator(new HttpsConfigurator(TestTls.get().serverContext()));
        server.createContext("/tags.json", exchange -> {
            byte[] body = tags(5, "23.0.0.0/8").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            Path configFile = dir.resolve("proxy.yaml");
            Files.writeString(configFile, """
                    registries: [{name: myregistry}]
                    serviceTags: {source: 'https://127.0.0.30:%d/tags.json', cacheFile: cache.json,
                                  tags: [AzureContainerRegistry.EastUS], allowIpLiterals: true}
                    """.formatted(server.getAddress().getPort()));
            HttpClient client = HttpClient.newBuilder().sslContext(TestTls.get().clientContext()).build();
            io.acrproxy.server.source.ServiceTagsBootstrap.ensureCache(configFile, client);
            assertThat(Files.readString(dir.resolve("cache.json"))).contains("\"changeNumber\": 5");
            // And the configuration now loads, where it failed before: allowIpLiterals needs the tags.
            assertThat(io.acrproxy.server.config.PolicySpecs.load(configFile).spec().serviceTags().selection().changeNumber()).isEqualTo(5);
        } finally {
            server.stop(0);
        }
    }

    private static String verdict(AppFixture f, String ip) throws Exception {
        return JSON.readTree(f.admin("GET", "/explain?host=" + ip + "&port=443&sni=myregistry.azurecr.io").body())
                .get("stages").get(0).get("verdict").asText();
    }
}
