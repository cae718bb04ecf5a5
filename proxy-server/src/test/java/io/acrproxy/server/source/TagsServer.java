package io.acrproxy.server.source;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * An in-process HTTPS origin serving one service-tags document the test sets, answering conditional requests
 * as a CDN would: {@code If-None-Match} equal to the current ETag gets a 304.
 */
final class TagsServer implements AutoCloseable {
    static final String LAST_MODIFIED = "Mon, 05 Jan 2026 00:00:00 GMT";

    /** The validators one request carried. */
    record Seen(String ifNoneMatch, String ifModifiedSince) {
    }

    final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final HttpsServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile byte[] body = new byte[0];
    private volatile String etag;
    private volatile int forcedStatus;
    private volatile boolean stall;
    private volatile boolean stallBody;
    private int version;

    TagsServer(SSLContext tls) throws IOException {
        server = HttpsServer.create(new InetSocketAddress(FetchTls.ADDRESS, 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/ServiceTags_Public.json", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    URI url() {
        return URI.create("https://" + FetchTls.ADDRESS + ":" + server.getAddress().getPort() + "/ServiceTags_Public.json");
    }

    /** Serves {@code json} under a new ETag. */
    synchronized void serve(String json) {
        body = json.getBytes(StandardCharsets.UTF_8);
        etag = "\"v" + (++version) + "\"";
        forcedStatus = 0;
    }

    /** Answers every request with this status and a short text body. */
    void fail(int status) {
        forcedStatus = status;
    }

    /** Holds every request unanswered until {@link #close()}. */
    void stall() {
        stall = true;
    }

    /** Sends the head and half of the body, then holds the rest until {@link #close()}. */
    void stallBody() {
        stallBody = true;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            seen.add(new Seen(exchange.getRequestHeaders().getFirst("If-None-Match"),
                    exchange.getRequestHeaders().getFirst("If-Modified-Since")));
            if (stall) {
                awaitRelease();
                return;
            }
            if (forcedStatus != 0) {
                byte[] text = "upstream trouble".getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(forcedStatus, text.length);
                exchange.getResponseBody().write(text);
                return;
            }
            String current = etag;
            if (current != null && current.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.sendResponseHeaders(304, -1);
                return;
            }
            exchange.getResponseHeaders().set("ETag", current);
            exchange.getResponseHeaders().set("Last-Modified", LAST_MODIFIED);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            byte[] bytes = body;
            // Chunked (length 0): the client cannot rely on Content-Length to bound what it reads.
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                if (stallBody) {
                    out.write(bytes, 0, bytes.length / 2);
                    out.flush();
                    awaitRelease();
                    return;
                }
                out.write(bytes);
            }
        }
    }

    private void awaitRelease() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
