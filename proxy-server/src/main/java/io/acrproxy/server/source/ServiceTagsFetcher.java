package io.acrproxy.server.source;

import io.acrproxy.policy.DurationText;
import io.acrproxy.policy.servicetag.ServiceTagsFile;
import io.acrproxy.policy.servicetag.ServiceTagsFormatException;
import io.acrproxy.policy.servicetag.ServiceTagsParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a {@code ServiceTags_*.json} from an {@code https://} URL (design §6.6) with the JDK {@link HttpClient}.
 *
 * <p>Requests are conditional once a good document has been read: the {@code ETag} and {@code Last-Modified} of
 * that 200 are sent back as {@code If-None-Match} (RFC 9110 §13.1.2) and {@code If-Modified-Since} (§13.1.3), so
 * a weekly-changing 4 MB file costs a 304 (§15.4.5) on most checks. Validators are remembered only from a 200
 * whose body parsed: a bad body must not be confirmed later by a 304.
 *
 * <p>Anything but a parsed 200 or a 304 is a {@link CheckOutcome.Failed} with the reason: another status, no
 * response within the request timeout, a body over the size bound (counted while streaming, never buffered
 * whole), a body that is not a service-tags document. The caller keeps its last good data in all these cases.
 *
 * <p>A good body is kept in {@code cacheFile} when one is configured: it is streamed into a temporary file in the
 * cache's own directory (so the final rename cannot cross file systems), parsed from there, and moved over the
 * cache with {@code ATOMIC_MOVE} only once it parsed, so a reader never sees a half-written or unparsable cache.
 *
 * <p>Not thread-safe: one refresher thread calls {@link #check()}.
 */
public final class ServiceTagsFetcher implements ServiceTagsCheck {
    /** Generous for a 4 MB file; a stalled server must not hold the refresher thread for long. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(ServiceTagsFetcher.class);
    private static final int HTTP_OK = 200;
    private static final int HTTP_NOT_MODIFIED = 304;

    private final URI url;
    private final Path cacheFile;
    private final HttpClient client;
    private final Clock clock;
    private final Duration requestTimeout;
    private final long maxBodyBytes;
    private String etag;
    private String lastModified;
    private volatile Instant lastSuccess;

    /**
     * @param url            an {@code https} URL
     * @param cacheFile      where the last good copy is kept, or {@code null}
     * @param client         e.g. {@link #newHttpClient()}; tests pass one trusting their certificate
     * @param clock          stamps {@link #lastSuccess()}
     * @param requestTimeout how long to wait for the response head, and then again at most for the body
     * @param maxBodyBytes   larger bodies are rejected
     */
    public ServiceTagsFetcher(URI url, Path cacheFile, HttpClient client, Clock clock, Duration requestTimeout,
                              long maxBodyBytes) {
        this.url = Objects.requireNonNull(url, "url");
        if (!"https".equals(url.getScheme() == null ? null : url.getScheme().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("service-tags URL must be https: " + url);
        }
        this.cacheFile = cacheFile;
        this.client = Objects.requireNonNull(client, "client");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (maxBodyBytes <= 0) {
            throw new IllegalArgumentException("maxBodyBytes must be positive: " + maxBodyBytes);
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    /** With {@link #DEFAULT_REQUEST_TIMEOUT} and the parser's own bound, {@link ServiceTagsParser#MAX_DOCUMENT_BYTES}. */
    public ServiceTagsFetcher(URI url, Path cacheFile, HttpClient client, Clock clock) {
        this(url, cacheFile, client, clock, DEFAULT_REQUEST_TIMEOUT, ServiceTagsParser.MAX_DOCUMENT_BYTES);
    }

    /** A client for production: system trust store, redirects followed except from https to http. */
    public static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .connectTimeout(DEFAULT_REQUEST_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    public URI url() {
        return url;
    }

    /** When the last check succeeded (200 parsed, or 304), or {@code null}. */
    public Instant lastSuccess() {
        return lastSuccess;
    }

    @Override
    public CheckOutcome check() {
        HttpResponse<InputStream> response;
        try {
            response = client.send(request(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            return failed("no response within " + DurationText.of(requestTimeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted");
        } catch (IOException e) {
            return failed(describe(e));
        }
        BodyDeadline deadline = new BodyDeadline(response.body(), requestTimeout);
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (status == HTTP_NOT_MODIFIED && etag == null && lastModified == null) {
                // Only a conditional request may be answered 304; to a plain GET it carries no document.
                return failed("HTTP 304 to an unconditional request");
            }
            if (status == HTTP_NOT_MODIFIED) {
                lastSuccess = clock.instant();
                return new CheckOutcome.NotModified();
            }
            if (status != HTTP_OK) {
                return failed("HTTP " + status);
            }
            ServiceTagsFile file = read(new BoundedInputStream(body, maxBodyBytes));
            etag = response.headers().firstValue("ETag").orElse(null);
            lastModified = response.headers().firstValue("Last-Modified").orElse(null);
            lastSuccess = clock.instant();
            return new CheckOutcome.Fetched(file);
        } catch (ServiceTagsFormatException e) {
            return deadline.expired() ? failed("body not complete within " + DurationText.of(requestTimeout))
                    : failed("not a usable service-tags document: " + e.getMessage());
        } catch (IOException e) {
            return deadline.expired() ? failed("body not complete within " + DurationText.of(requestTimeout)) : failed(describe(e));
        } finally {
            deadline.cancel();
        }
    }

    /**
     * The last good copy, for start-up when the URL is unreachable (design §6.6); empty when no cache is configured
     * or none has been written yet.
     *
     * @throws IOException when the cache exists but cannot be read or parsed
     */
    public Optional<ServiceTagsFile> loadCache() throws IOException {
        if (cacheFile == null || !Files.exists(cacheFile)) {
            return Optional.empty();
        }
        return Optional.of(ServiceTagsParser.parse(cacheFile));
    }

    private HttpRequest request() {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(requestTimeout).GET()
                .header("Accept", "application/json");
        if (etag != null) {
            request.header("If-None-Match", etag);
        }
        if (lastModified != null) {
            request.header("If-Modified-Since", lastModified);
        }
        return request.build();
    }

    private ServiceTagsFile read(InputStream body) throws IOException {
        if (cacheFile == null) {
            return ServiceTagsParser.parse(body);
        }
        Path dir = cacheFile.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, cacheFile.getFileName() + ".", ".tmp");
        try {
            Files.copy(body, temp, StandardCopyOption.REPLACE_EXISTING);
            // On disk before the rename, so a crash cannot leave the cache name pointing at missing data.
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            ServiceTagsFile file;
            try (InputStream in = Files.newInputStream(temp)) {
                file = ServiceTagsParser.parse(in);
            }
            Files.move(temp, cacheFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private CheckOutcome failed(String reason) {
        String message = url + ": " + reason;
        LOG.debug("service-tags check failed: {}", message);
        return new CheckOutcome.Failed(message);
    }

    /** JDK connection errors often have no message (e.g. ConnectException); the type then says what happened. */
    private static String describe(IOException e) {
        String message = e.getMessage();
        String type = e.getClass().getSimpleName();
        return message == null || message.isBlank() ? type : type + ": " + message;
    }
}
