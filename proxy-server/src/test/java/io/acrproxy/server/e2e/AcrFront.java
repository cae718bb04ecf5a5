package io.acrproxy.server.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * One Azure endpoint of the look-alike: an HTTPS server on its own loopback address and port 443 (where clients
 * expect {@code <name>.azurecr.io}, {@code <name>.<region>.data.azurecr.io} and {@code <account>.blob.core.windows.net}),
 * forwarding the registry API to the real registry behind it. A login server with {@code blobsTo} set answers
 * every blob GET with a {@code 307} to that host instead, as Azure Container Registry does: to the registry's
 * dedicated data endpoint, or to a storage account when it has none.
 */
final class AcrFront implements AutoCloseable {
    private static final Pattern BLOB = Pattern.compile("^/v2/.+/blobs/sha256:[0-9a-f]{64}$");
    /** Hop-by-hop and length headers the JDK server or client sets itself. */
    private static final Set<String> NOT_COPIED = Set.of("connection", "content-length", "transfer-encoding", "host",
            "keep-alive", "upgrade", "expect", "proxy-authorization", "te", "trailer", "date");

    final String hostName;
    private final HttpsServer server;
    private final ExecutorService executor;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final URI registry;
    private final String blobsTo;
    private final ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();

    AcrFront(String hostName, String address, SSLContext tls, URI registry, String blobsTo) throws IOException {
        this.hostName = hostName;
        this.registry = registry;
        this.blobsTo = blobsTo;
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(address), 443), 64);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "front-" + hostName);
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** "METHOD path" of every request this endpoint received, in order. */
    List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            URI uri = exchange.getRequestURI();
            requests.add(method + " " + uri.getRawPath());
            if (blobsTo != null && (method.equals("GET") || method.equals("HEAD")) && BLOB.matcher(uri.getRawPath()).matches()) {
                // ACR's answer carries a short-lived signature in the query; the look-alike's is decorative.
                exchange.getResponseHeaders().add("Location", "https://" + blobsTo + uri.getRawPath() + "?se=2026-11-28T23%3A59%3A00Z&sig=e2e");
                exchange.sendResponseHeaders(307, -1);
                return;
            }
            forward(exchange, method, uri);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            // The JDK server closes the connection without an answer, which a client reports as a bare EOF: say why.
            System.err.println("look-alike " + hostName + ": " + exchange.getRequestMethod() + " "
                    + exchange.getRequestURI().getRawPath() + " failed: " + e);
            throw e;
        }
    }

    private void forward(HttpExchange exchange, String method, URI uri) throws IOException, InterruptedException {
        String target = registry + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
            if (!NOT_COPIED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                h.getValue().forEach(v -> request.header(h.getKey(), v));
            }
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        response.headers().map().forEach((name, values) -> {
            if (!NOT_COPIED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                values.forEach(v -> exchange.getResponseHeaders().add(name, v));
            }
        });
        byte[] out = response.body();
        if (method.equals("HEAD")) {
            // The JDK server sends no length for HEAD unless told: clients read the blob or manifest size from it.
            response.headers().firstValue("Content-Length").ifPresent(v -> exchange.getResponseHeaders().set("Content-Length", v));
            exchange.sendResponseHeaders(response.statusCode(), -1);
            return;
        }
        exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
