package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.transport.Transport;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Layer-sized transfers through the whole proxy, many at once, both ways, inside verified TLS: on epoll they
 * switch to the splice(2) relay after their first MiB, in the middle of TLS records, with several tunnels on each
 * event loop. TLS is the integrity check (a lost, repeated or reordered byte fails the record's MAC and the
 * connection), and the bodies' SHA-256 the second one.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BulkTransfersIT {
    private static final int TRANSFERS = 16;
    @RegisterExtension
    static final TlsOriginExtension origin = TlsOriginExtension.on("127.0.0.21");

    @TempDir
    Path dir;

    static Stream<String> relays() {
        // every transport with the default relay (splicing on epoll), and epoll copying for comparison
        Stream<String> defaults = Transport.available().stream().map(t -> "transport: " + t.configName());
        return Transport.EPOLL.isAvailable()
                ? Stream.concat(defaults, Stream.of("transport: epoll\nrelay: {splice: false}"))
                : defaults;
    }

    @ParameterizedTest
    @MethodSource("relays")
    void concurrentLayerDownloadsAndUploadsArriveIntact(String relayConfig) throws Exception {
        String yaml = """
                registries: [{name: myregistry}]
                ports: [%d]
                destinations: {denyRanges: ['169.254.0.0/16'], allowPrivate: true}
                resolver: {hosts: {myregistry.azurecr.io: 127.0.0.21}}
                %s
                """.formatted(origin.port(), relayConfig);
        try (ProxyFixture proxy = new ProxyFixture(yaml, dir, new ProxyServerIT.FailingResolver())) {
            HttpClient client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1) // one tunnel per request in flight
                    .proxy(ProxySelector.of(proxy.address()))
                    .sslContext(TestTls.get().clientContext())
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            String base = "https://myregistry.azurecr.io:" + origin.port();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < TRANSFERS; i++) {
                int size = (3 << 20) + i * 333_331; // 3-8 MiB, none a multiple of a record or a read
                if (i % 2 == 0) {
                    all.add(client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/blobs/" + size)).build(),
                                    HttpResponse.BodyHandlers.ofByteArray())
                            .thenAccept(r -> {
                                assertThat(r.statusCode()).isEqualTo(200);
                                assertThat(r.body()).as("download of %d bytes", size).isEqualTo(TlsOrigin.blob(size));
                            }));
                } else {
                    byte[] body = TlsOrigin.blob(size);
                    all.add(client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/uploads"))
                                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .thenAccept(r -> {
                                assertThat(r.statusCode()).isEqualTo(200);
                                assertThat(r.body()).as("upload of %d bytes", size)
                                        .isEqualTo(HexFormat.of().formatHex(TlsOrigin.sha256(body)));
                            }));
                }
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        }
    }
}
