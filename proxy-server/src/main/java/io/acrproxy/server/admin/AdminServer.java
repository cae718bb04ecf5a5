package io.acrproxy.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.acrproxy.server.ProxyServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port (design §10): {@code /metrics}, {@code /healthz}, {@code /readyz}, {@code /policy},
 * {@code /blocked}, {@code /explain} and {@code POST /reload}.
 *
 * <p>The JDK's {@code HttpServer} rather than Netty: admin traffic is a scrape every few seconds and an
 * operator's curl, so the simplest correct server is right, and its own two threads keep a slow scrape or a
 * reload that compiles a large service-tags file off the data plane's event loops.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String OPENMETRICS = "application/openmetrics-text";

    private final HttpServer http;
    private final ExecutorService executor;

    private AdminServer(HttpServer http, ExecutorService executor) {
        this.http = http;
        this.executor = executor;
    }

    public static AdminServer start(InetSocketAddress bind, PrometheusMeterRegistry registry, ProxyServer proxy,
                                    AdminState state) throws IOException {
        HttpServer http = HttpServer.create(bind, 16);
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "admin");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/metrics", get(exchange -> {
            String accept = exchange.getRequestHeaders().getFirst("Accept");
            // Prometheus asks for OpenMetrics first when it can take it; everything else gets the 0.0.4 text format.
            boolean openMetrics = accept != null && accept.toLowerCase(Locale.ROOT).contains(OPENMETRICS);
            String contentType = openMetrics ? OPENMETRICS + "; version=1.0.0; charset=utf-8" : "text/plain; version=0.0.4; charset=utf-8";
            send(exchange, 200, contentType, registry.scrape(contentType));
        }));
        http.createContext("/healthz", get(exchange -> send(exchange, 200, "text/plain; charset=utf-8", "ok\n")));
        http.createContext("/readyz", get(exchange -> {
            boolean ready = proxy.isListening() && proxy.policies().get() != null;
            send(exchange, ready ? 200 : 503, "text/plain; charset=utf-8", ready ? "ready\n" : "not ready\n");
        }));
        http.createContext("/policy", get(exchange -> sendJson(exchange, 200, PolicyView.of(proxy.policies().get(), state, proxy.parentStatuses(),
                proxy.routes()))));
        http.createContext("/blocked", get(exchange -> sendJson(exchange, 200, BlockedView.of(proxy.events().blocked(),
                Query.parse(exchange.getRequestURI().getRawQuery())))));
        http.createContext("/explain", get(exchange -> {
            ExplainQuery.Result r = ExplainQuery.run(exchange.getRequestURI().getRawQuery(), proxy.policies().get(), state.resolverHosts(),
                    proxy.routes());
            sendJson(exchange, r.status(), r.json());
        }));
        http.createContext("/reload", exchange -> {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Allow", "POST");
                sendJson(exchange, 405, error("use POST /reload"));
                return;
            }
            AdminState.ReloadOutcome outcome = state.reload();
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            body.put("result", outcome.success() ? "success" : "failure");
            body.put("policyVersion", proxy.policies().get().version());
            outcome.errors().forEach(body.withArray("errors")::add);
            sendJson(exchange, outcome.success() ? 200 : 422, body);
        });
        http.start();
        LOG.info("admin endpoints on http://{}:{}/ (metrics, healthz, readyz, policy, blocked, explain, reload)",
                bind.getAddress().getHostAddress(), http.getAddress().getPort());
        return new AdminServer(http, executor);
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** GET (and HEAD) only; anything else is a 405. Unexpected failures are a 500 with no stack trace. */
    private static HttpHandler get(HttpHandler handler) {
        return exchange -> {
            // Not try-with-resources: that would close the exchange before a catch block could answer.
            try {
                String method = exchange.getRequestMethod();
                if (!"GET".equals(method) && !"HEAD".equals(method)) {
                    exchange.getResponseHeaders().add("Allow", "GET, HEAD");
                    sendJson(exchange, 405, error(method + " is not allowed here; use GET"));
                    return;
                }
                handler.handle(exchange);
            } catch (Query.BadQueryException e) {
                sendJson(exchange, 400, error(e.getMessage()));
            } catch (RuntimeException e) {
                LOG.warn("admin request {} failed", exchange.getRequestURI(), e);
                sendJson(exchange, 500, error("internal error; see the proxy's log"));
            } finally {
                exchange.close();
            }
        };
    }

    static ObjectNode error(String message) {
        return JsonNodeFactory.instance.objectNode().put("error", message);
    }

    static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, "application/json", JSON.writeValueAsString(body) + "\n");
    }

    static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
