package io.acrproxy.server.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real registry: Debian's {@code docker-registry} (CNCF distribution 2.8) serving plain HTTP on a loopback
 * address, with filesystem storage in a temporary directory. Only the TLS fronts talk to it.
 */
final class DistributionRegistry implements AutoCloseable {
    private final Process process;
    private final URI base;
    private final Path log;

    private DistributionRegistry(Process process, URI base, Path log) {
        this.process = process;
        this.base = base;
        this.log = log;
    }

    static DistributionRegistry start(Path dir, String address, int port) throws IOException {
        Path binary = E2eTools.binary("docker-registry", "docker-registry");
        Path storage = Files.createDirectories(dir.resolve("registry-storage"));
        Path config = dir.resolve("registry.yml");
        Files.writeString(config, """
                version: 0.1
                log: {level: info, formatter: text}
                storage:
                  filesystem: {rootdirectory: %s}
                  delete: {enabled: false}
                http:
                  addr: %s:%d
                  secret: acr-egress-proxy-e2e
                """.formatted(storage, address, port));
        Path log = dir.resolve("registry.log");
        Process p = new ProcessBuilder(binary.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        DistributionRegistry registry = new DistributionRegistry(p, URI.create("http://" + address + ":" + port), log);
        HttpClient http = HttpClient.newHttpClient();
        try {
            await().atMost(Duration.ofSeconds(30)).ignoreException(ConnectException.class).until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("docker-registry exited: " + Files.readString(log));
                }
                return http.send(HttpRequest.newBuilder(registry.base.resolve("/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            });
        } catch (RuntimeException | Error e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    /** {@code http://address:port}, the upstream of the TLS fronts. */
    URI base() {
        return base;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
