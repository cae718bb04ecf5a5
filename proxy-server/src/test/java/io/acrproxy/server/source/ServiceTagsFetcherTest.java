package io.acrproxy.server.source;

import static io.acrproxy.server.source.ServiceTagsJson.doc;
import static io.acrproxy.server.source.ServiceTagsJson.parsed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.acrproxy.policy.servicetag.ServiceTagsFile;
import io.acrproxy.policy.servicetag.ServiceTagsParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fetcher against a real in-process HTTPS server with a certificate made for the test. */
class ServiceTagsFetcherTest {
    private static final String V1 = doc(1, "20.42.66.0/23");
    private static final String V2 = doc(2, "20.42.66.0/23", "2603:1030:210::/46");

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T08:00:00Z"));
    private HttpClient client;
    private TagsServer server;
    private Path cache;

    @BeforeEach
    void start() throws Exception {
        FetchTls tls = FetchTls.get();
        client = HttpClient.newBuilder().sslContext(tls.client).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        server = new TagsServer(tls.server);
        cache = dir.resolve("ServiceTags_Public.cache.json");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ServiceTagsFetcher fetcher() {
        return new ServiceTagsFetcher(server.url(), cache, client, clock, Duration.ofSeconds(10), 64 * 1024);
    }

    @Test
    void aFirstGetIsUnconditionalThenTheEtagIsSentBackAndA304IsUnchanged() {
        server.serve(V1);
        ServiceTagsFetcher fetcher = fetcher();

        assertThat(fetcher.check()).isEqualTo(new CheckOutcome.Fetched(parsed(V1)));
        assertThat(fetcher.check()).isEqualTo(new CheckOutcome.NotModified());

        assertThat(server.seen).containsExactly(new TagsServer.Seen(null, null),
                new TagsServer.Seen("\"v1\"", TagsServer.LAST_MODIFIED));
        assertThat(fetcher.lastSuccess()).isEqualTo(clock.instant());
    }

    @Test
    void aChangedFileIsPickedUp() {
        server.serve(V1);
        ServiceTagsFetcher fetcher = fetcher();
        fetcher.check();
        server.serve(V2);

        CheckOutcome outcome = fetcher.check();

        assertThat(outcome).isInstanceOf(CheckOutcome.Fetched.class);
        assertThat(((CheckOutcome.Fetched) outcome).file().changeNumber()).isEqualTo(2);
        assertThat(server.seen.get(1).ifNoneMatch()).isEqualTo("\"v1\"");
        assertThat(fetcher.check()).isEqualTo(new CheckOutcome.NotModified());
        assertThat(server.seen.get(2).ifNoneMatch()).isEqualTo("\"v2\"");
    }

    @Test
    void a500IsAFailureAndTheCacheAndValidatorsAreKept() throws IOException {
        server.serve(V1);
        ServiceTagsFetcher fetcher = fetcher();
        fetcher.check();
        byte[] cached = Files.readAllBytes(cache);
        server.fail(500);

        assertThat(fetcher.check()).isEqualTo(new CheckOutcome.Failed(server.url() + ": HTTP 500"));

        assertThat(Files.readAllBytes(cache)).isEqualTo(cached);
        server.serve(V1);
        assertThat(fetcher.check()).isInstanceOf(CheckOutcome.Fetched.class);
    }

    @Test
    void aTruncatedBodyIsRejectedAndNeitherCachedNorRemembered() throws IOException {
        server.serve(V1);
        ServiceTagsFetcher fetcher = fetcher();
        fetcher.check();
        byte[] cached = Files.readAllBytes(cache);
        server.serve(V2.substring(0, V2.length() / 2));

        CheckOutcome outcome = fetcher.check();

        assertThat(outcome).isInstanceOf(CheckOutcome.Failed.class);
        assertThat(((CheckOutcome.Failed) outcome).reason()).contains("not a usable service-tags document");
        assertThat(Files.readAllBytes(cache)).isEqualTo(cached);
        assertThat(tempFiles()).isEmpty();
        // The bad body's ETag was not remembered: the next request still names the last good one.
        fetcher.check();
        assertThat(server.seen.get(2).ifNoneMatch()).isEqualTo("\"v1\"");
    }

    @Test
    void aBodyOfTheWrongShapeIsRejected() {
        server.serve("{\"changeNumber\": 3, \"cloud\": \"Public\"}");

        CheckOutcome outcome = fetcher().check();

        assertThat(outcome).isInstanceOf(CheckOutcome.Failed.class);
        assertThat(((CheckOutcome.Failed) outcome).reason()).contains("no \"values\" array");
        assertThat(cache).doesNotExist();
    }

    @Test
    void anOversizedBodyIsRejectedWhileStreaming() {
        List<String> prefixes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            prefixes.add("10." + i + ".0.0/16");
        }
        server.serve(doc(4, prefixes.toArray(String[]::new)));
        ServiceTagsFetcher small = new ServiceTagsFetcher(server.url(), cache, client, clock, Duration.ofSeconds(10), 1024);

        assertThat(small.check()).isEqualTo(new CheckOutcome.Failed(server.url() + ": BodyTooLargeException: body larger than 1024 bytes"));
        assertThat(cache).doesNotExist();
        assertThat(tempFiles()).isEmpty();
        assertThat(fetcher().check()).isInstanceOf(CheckOutcome.Fetched.class);
    }

    @Test
    void aServerThatDoesNotAnswerTimesOut() {
        server.serve(V1);
        server.stall();
        ServiceTagsFetcher impatient = new ServiceTagsFetcher(server.url(), cache, client, clock, Duration.ofMillis(300), 64 * 1024);

        assertThat(impatient.check()).isEqualTo(new CheckOutcome.Failed(server.url() + ": no response within 300ms"));
    }

    @Test
    void aBodyThatStallsAfterTheHeadTimesOut() {
        server.serve(V1);
        server.stallBody();
        ServiceTagsFetcher impatient = new ServiceTagsFetcher(server.url(), cache, client, clock, Duration.ofMillis(500), 64 * 1024);

        CheckOutcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(20), impatient::check);

        assertThat(outcome).isEqualTo(new CheckOutcome.Failed(server.url() + ": body not complete within 500ms"));
        assertThat(cache).doesNotExist();
        assertThat(tempFiles()).isEmpty();
    }

    @Test
    void withoutACacheFileTheBodyIsParsedStraightFromTheStream() throws IOException {
        server.serve(V1);
        ServiceTagsFetcher uncached = new ServiceTagsFetcher(server.url(), null, client, clock);

        assertThat(uncached.check()).isEqualTo(new CheckOutcome.Fetched(parsed(V1)));
        assertThat(uncached.loadCache()).isEmpty();
    }

    @Test
    void aGoodDownloadIsCachedAndTheCacheIsUsedAtStartUpWhenTheServerIsDown() throws IOException {
        server.serve(V1);
        fetcher().check();
        server.serve(V2);
        fetcher().check();

        assertThat(ServiceTagsParser.parse(cache)).isEqualTo(parsed(V2));
        assertThat(Files.readString(cache)).isEqualTo(V2);
        assertThat(tempFiles()).isEmpty();

        URI url = server.url();
        server.close();
        ServiceTagsFetcher atStartUp = new ServiceTagsFetcher(url, cache, client, clock);
        assertThat(atStartUp.check()).isInstanceOf(CheckOutcome.Failed.class);
        ServiceTagsFile fromCache = atStartUp.loadCache().orElseThrow();
        assertThat(fromCache.changeNumber()).isEqualTo(2);
        assertThat(fromCache).isEqualTo(parsed(V2));
    }

    @Test
    void noCacheYetIsEmptyAndACorruptCacheIsAnError() throws IOException {
        assertThat(fetcher().loadCache()).isEmpty();

        Files.writeString(cache, V1.substring(0, 20));
        assertThatThrownBy(() -> fetcher().loadCache()).isInstanceOf(IOException.class).hasMessageContaining(cache.toString());
    }

    @Test
    void onlyHttpsUrlsAreAccepted() {
        assertThatThrownBy(() -> new ServiceTagsFetcher(URI.create("http://example.org/tags.json"), null, client, clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be https");
    }

    private List<Path> tempFiles() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
