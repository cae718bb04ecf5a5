package io.acrproxy.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.acrproxy.policy.net.IpAddresses;
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
            // After SIGTERM the admin port stays up until the drain ends, so a balancer and a person can watch it.
            String body = ready ? "ready\n" : proxy.isStopping() ? "draining\n" : "not ready\n";
            send(exchange, ready ? 200 : 503, "text/plain; charset=utf-8", body);
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
            if (!isExactPath(exchange)) {
                try (exchange) {
                    notFound(exchange);
                }
                return;
            }
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
        // The context "/" gets every path no other context claims: the index, and a 404 that lists the endpoints.
        http.createContext("/", get(exchange -> {
            if (!exchange.getRequestURI().getPath().equals("/")) {
                notFound(exchange);
                return;
            }
            send(exchange, 200, "text/plain; charset=utf-8", "acr-egress-proxy admin endpoints:\n" + ENDPOINTS);
        }));
        http.start();
        LOG.info("admin endpoints on http://{}/ (metrics, healthz, readyz, policy, blocked, explain, reload)",
                IpAddresses.toText(new InetSocketAddress(bind.getAddress(), http.getAddress().getPort())));
        return new AdminServer(http, executor);
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** What {@code GET /} and every 404 list (design §10.1). */
    static final String ENDPOINTS = String.join("\n",
            "  GET  /metrics          Prometheus metrics (OpenMetrics when asked for)",
            "  GET  /healthz          200 while the process runs",
            "  GET  /readyz           200 ready; 503 draining or not ready",
            "  GET  /policy           the policy in force, as JSON",
            "  GET  /blocked?limit=N  the most recently and most often refused targets",
            "  GET  /explain?host=H[:P][&sni=S][&client=IP][&user=NAME][&address=IP]  why a target is allowed or refused",
            "  POST /reload           reload the configuration now",
            "");

    private static void notFound(HttpExchange exchange) throws IOException {
        send(exchange, 404, "text/plain; charset=utf-8", "no such endpoint: " + exchange.getRequestURI().getPath()
                + "\nadmin endpoints:\n" + ENDPOINTS);
    }

    /**
     * The JDK server routes by path prefix, so {@code /metricsx} would reach {@code /metrics}; an endpoint answers
     * only its own path (a trailing slash allowed).
     */
    private static boolean isExactPath(HttpExchange exchange) {
        String path = exchange.getRequestURI().getPath();
        String context = exchange.getHttpContext().getPath();
        return path.equals(context) || path.equals(context + "/") || context.equals("/");
    }

    /**
     * GET (and HEAD) only; anything else is a 405. Unexpected failures are a 500 with no stack trace. A path that is
     * not the endpoint's own is a 404.
     */
    private static HttpHandler get(HttpHandler handler) {
        return exchange -> {
            // Not try-with-resources: that would close the exchange before a catch block could answer.
            try {
                if (!isExactPath(exchange)) {
                    notFound(exchange);
                    return;
                }
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
