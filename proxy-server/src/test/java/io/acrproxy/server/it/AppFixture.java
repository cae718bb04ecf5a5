package io.acrproxy.server.it;

import io.acrproxy.core.dns.HostResolver;
import io.acrproxy.server.Application;
import io.acrproxy.server.admin.AdminState;
import io.acrproxy.server.config.ConfigException;
import io.acrproxy.server.config.ConfigError;
import io.acrproxy.server.config.LoadedPolicy;
import io.acrproxy.server.config.PolicySpecs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

/** The whole application (proxy + admin endpoints) from a config file, on ephemeral loopback ports. */
final class AppFixture implements AutoCloseable {
    final Application app;
    final Path configFile;
    private final HttpClient http = HttpClient.newHttpClient();

    AppFixture(String yaml, Path dir, HostResolver dns) throws Exception {
        this(write(dir.resolve("proxy.yaml"), yaml), dns);
    }

    /** With an HTTP client for a URL service-tags source (trusting the test CA). */
    AppFixture(String yaml, Path dir, HostResolver dns, HttpClient serviceTagsClient) throws Exception {
        this(write(dir.resolve("proxy.yaml"), yaml), dns, serviceTagsClient);
    }

    /** From a config file that already exists (e.g. behind a ConfigMap's symlinks). */
    AppFixture(Path existingConfig, HostResolver dns) throws Exception {
        this(existingConfig, dns, HttpClient.newHttpClient());
    }

    private AppFixture(Path existingConfig, HostResolver dns, HttpClient serviceTagsClient) throws Exception {
        configFile = existingConfig;
        LoadedPolicy loaded = PolicySpecs.load(configFile);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        app = Application.start(loaded.config(), configFile,
                new AdminState.Loaded(loaded.spec(), loaded.warnings(), loaded.config().resolver().hosts()),
                this::reload, new InetSocketAddress(loopback, 0), new InetSocketAddress(loopback, 0), dns, serviceTagsClient);
    }

    private static Path write(Path file, String yaml) throws IOException {
        Files.writeString(file, yaml);
        return file;
    }

    private AdminState.Loaded reload() throws AdminState.ReloadException {
        try {
            LoadedPolicy loaded = PolicySpecs.load(configFile);
            return new AdminState.Loaded(loaded.spec(), loaded.warnings(), loaded.config().resolver().hosts());
        } catch (ConfigException e) {
            throw new AdminState.ReloadException(e.errors().stream().map(ConfigError::toString).toList());
        }
    }

    InetSocketAddress proxyAddress() {
        return app.proxy().address();
    }

    InetSocketAddress adminAddress() {
        return app.admin().address();
    }

    HttpResponse<String> admin(String method, String pathAndQuery) throws IOException, InterruptedException {
        return admin(method, pathAndQuery, null);
    }

    HttpResponse<String> admin(String method, String pathAndQuery, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.admin().address().getPort() + pathAndQuery))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        app.close();
    }
}
