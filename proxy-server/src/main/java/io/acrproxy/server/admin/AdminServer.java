package io.acrproxy.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.acrproxy.core.transport.Transport;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.server.ProxyServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port (design §10.1): {@code /metrics}, {@code /healthz}, {@code /readyz}, {@code /policy}, {@code /blocked},
 * {@code /explain}, {@code POST /reload} and the index {@code /}.
 *
 * <p>Netty's HTTP codec on one event-loop thread of its own, with the endpoints run on two worker threads, so a slow
 * scrape or a reload that compiles a large service-tags file never holds up the data plane's event loops or the admin
 * port itself. (The JDK's built-in server, used before, cannot write the reason phrase of a {@code 422}.) A connection
 * handles one request at a time: it stops reading until its answer is written, so pipelined requests are answered in
 * order and a client cannot queue unbounded work.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String OPENMETRICS = "application/openmetrics-text";
    private static final String TEXT = "text/plain; charset=utf-8";
    /** Requests carry no body worth more (POST /reload has none); a larger one is a 413 from the aggregator. */
    private static final int MAX_REQUEST_BYTES = 64 * 1024;
    /** An admin connection with no request for this long is closed: scrapers reconnect, idle sockets do not pile up. */
    private static final int IDLE_SECONDS = 60;

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

    /** One request, as the endpoints see it. */
    record Request(HttpMethod method, String path, String rawQuery, String accept) {
    }

    /** One answer: status, content type and body; HEAD gets the headers without the body. */
    record Response(int status, String contentType, String body, Map<String, String> headers) {
        static Response text(int status, String body) {
            return new Response(status, TEXT, body, Map.of());
        }

        static Response json(int status, JsonNode body) {
            try {
                return new Response(status, "application/json", JSON.writeValueAsString(body) + "\n", Map.of());
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a JSON tree always serialises", e);
            }
        }

        Response withHeader(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Response(status, contentType, body, h);
        }
    }

    @FunctionalInterface
    interface Endpoint {
        Response answer(Request request) throws Exception;
    }

    /** An endpoint and the methods it takes; anything else is a 405 naming them. */
    private record Route(Set<HttpMethod> methods, Endpoint endpoint) {
    }

    private final MultiThreadIoEventLoopGroup group;
    private final ExecutorService executor;
    private final Channel channel;

    private AdminServer(MultiThreadIoEventLoopGroup group, ExecutorService executor, Channel channel) {
        this.group = group;
        this.executor = executor;
        this.channel = channel;
    }

    public static AdminServer start(InetSocketAddress bind, PrometheusMeterRegistry registry, ProxyServer proxy,
                                    AdminState state) throws java.io.IOException {
        Map<String, Route> routes = routes(registry, proxy, state);
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "admin");
            t.setDaemon(true);
            return t;
        });
        MultiThreadIoEventLoopGroup group = Transport.NIO.newGroup(1);
        try {
            Channel channel = new ServerBootstrap().group(group)
                    .channelFactory(Transport.NIO.serverChannelFactory(bind.getAddress()))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS),
                                    new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                    new Dispatcher(routes, executor));
                        }
                    })
                    .bind(bind).sync().channel();
            InetSocketAddress bound = (InetSocketAddress) channel.localAddress();
            LOG.info("admin endpoints on http://{}/ (metrics, healthz, readyz, policy, blocked, explain, reload)",
                    IpAddresses.toText(bound));
            return new AdminServer(group, executor, channel);
        } catch (Exception e) {
            executor.shutdownNow();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // bind().sync() rethrows the socket's checked exception undeclared (a BindException).
            if (e instanceof java.io.IOException io) {
                throw io;
            }
            throw new java.io.IOException("cannot start the admin endpoints on " + IpAddresses.toText(bind), e);
        }
    }

    private static Map<String, Route> routes(PrometheusMeterRegistry registry, ProxyServer proxy, AdminState state) {
        Set<HttpMethod> get = Set.of(HttpMethod.GET, HttpMethod.HEAD);
        Map<String, Route> routes = new LinkedHashMap<>();
        routes.put("/", new Route(get, request -> Response.text(200, "acr-egress-proxy admin endpoints:\n" + ENDPOINTS)));
        routes.put("/metrics", new Route(get, request -> {
            // Prometheus asks for OpenMetrics first when it can take it; everything else gets the 0.0.4 text format.
            boolean openMetrics = request.accept() != null && request.accept().toLowerCase(Locale.ROOT).contains(OPENMETRICS);
            String contentType = openMetrics ? OPENMETRICS + "; version=1.0.0; charset=utf-8"
                    : "text/plain; version=0.0.4; charset=utf-8";
            return new Response(200, contentType, registry.scrape(contentType), Map.of());
        }));
        routes.put("/healthz", new Route(get, request -> Response.text(200, "ok\n")));
        routes.put("/readyz", new Route(get, request -> {
            boolean ready = proxy.isListening() && proxy.policies().get() != null;
            // After SIGTERM the admin port stays up until the drain ends, so a balancer and a person can watch it.
            String body = ready ? "ready\n" : proxy.isStopping() ? "draining\n" : "not ready\n";
            return Response.text(ready ? 200 : 503, body);
        }));
        routes.put("/policy", new Route(get, request -> Response.json(200, PolicyView.of(proxy.policies().get(), state,
                proxy.parentStatuses(), proxy.routes()))));
        routes.put("/blocked", new Route(get, request -> Response.json(200, BlockedView.of(proxy.events().blocked(),
                Query.parse(request.rawQuery())))));
        routes.put("/explain", new Route(get, request -> {
            ExplainQuery.Result r = ExplainQuery.run(request.rawQuery(), proxy.policies().get(), state.resolverHosts(),
                    proxy.routes());
            return Response.json(r.status(), r.json());
        }));
        routes.put("/reload", new Route(Set.of(HttpMethod.POST), request -> {
            AdminState.ReloadOutcome outcome = state.reload();
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            body.put("result", outcome.success() ? "success" : "failure");
            body.put("policyVersion", proxy.policies().get().version());
            outcome.errors().forEach(body.withArray("errors")::add);
            return Response.json(outcome.success() ? 200 : 422, body);
        }));
        return Map.copyOf(routes);
    }

    /**
     * Finds the endpoint, runs it on a worker thread, writes its answer; one request at a time per connection. The
     * codec may decode several pipelined requests from one read before reading stops, so they wait here, in order.
     */
    private static final class Dispatcher extends SimpleChannelInboundHandler<FullHttpRequest> {
        /** Pipelined requests waiting for the one in progress; more than this from one client is a close. */
        private static final int MAX_WAITING = 16;

        private final Map<String, Route> routes;
        private final ExecutorService executor;
        /** Touched on the connection's event loop only. */
        private final java.util.ArrayDeque<Runnable> waiting = new java.util.ArrayDeque<>();
        private boolean busy;

        Dispatcher(Map<String, Route> routes, ExecutorService executor) {
            this.routes = routes;
            this.executor = executor;
        }

        /** Runs {@code work} now, or after the requests before it. */
        private void submit(ChannelHandlerContext ctx, Runnable work) {
            if (busy) {
                if (waiting.size() == MAX_WAITING) {
                    ctx.close();
                    return;
                }
                waiting.add(work);
                return;
            }
            busy = true;
            try {
                executor.execute(work);
            } catch (RejectedExecutionException e) { // shutting down
                ctx.close();
            }
        }

        /** The answer in progress is written: the next waiting request goes, or reading resumes. */
        private void done(ChannelHandlerContext ctx) {
            busy = false;
            Runnable next = waiting.poll();
            if (next != null) {
                submit(ctx, next);
            } else {
                ctx.channel().config().setAutoRead(true);
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest http) {
            boolean keepAlive = HttpUtil.isKeepAlive(http) && http.decoderResult().isSuccess();
            boolean head = HttpMethod.HEAD.equals(http.method());
            ctx.channel().config().setAutoRead(false); // the next request waits for this answer
            if (!http.decoderResult().isSuccess()) {
                submit(ctx, () -> write(ctx, Response.text(400, "malformed request\n"), head, false));
                return;
            }
            Request request;
            try {
                URI uri = new URI(http.uri());
                request = new Request(http.method(), uri.getPath() == null ? "" : uri.getPath(), uri.getRawQuery(),
                        http.headers().get(HttpHeaderNames.ACCEPT));
            } catch (URISyntaxException e) {
                Response bad = Response.json(400, error("malformed request-target: " + e.getReason()));
                submit(ctx, () -> write(ctx, bad, head, false));
                return;
            }
            submit(ctx, () -> write(ctx, answer(request), head, keepAlive));
        }

        private Response answer(Request request) {
            String path = request.path().length() > 1 && request.path().endsWith("/")
                    ? request.path().substring(0, request.path().length() - 1) : request.path();
            Route route = routes.get(path);
            if (route == null) {
                return Response.text(404, "no such endpoint: " + request.path() + "\nadmin endpoints:\n" + ENDPOINTS);
            }
            if (!route.methods().contains(request.method())) {
                String allowed = route.methods().contains(HttpMethod.POST) ? "POST" : "GET, HEAD";
                return Response.json(405, error(request.method() + " is not allowed here; use " + allowed))
                        .withHeader("Allow", allowed);
            }
            try {
                return route.endpoint().answer(request);
            } catch (Query.BadQueryException e) {
                return Response.json(400, error(e.getMessage()));
            } catch (Exception e) {
                LOG.warn("admin request {} {} failed", request.method(), request.path(), e);
                return Response.json(500, error("internal error; see the proxy's log"));
            }
        }

        private void write(ChannelHandlerContext ctx, Response response, boolean head, boolean keepAlive) {
            byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
            // Netty's table has every registered phrase, 422 Unprocessable Entity included (RFC 9110 §15.5.21).
            FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(response.status()),
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
            out.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
            out.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            // HEAD: the length the GET body would have (RFC 9110 §9.3.2).
            out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            response.headers().forEach(out.headers()::set);
            if (!keepAlive) {
                out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            ctx.writeAndFlush(out).addListener(keepAlive ? (ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    done(ctx); // a write's listener runs on the connection's event loop
                } else {
                    f.channel().close();
                }
            } : ChannelFutureListener.CLOSE);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof IdleStateEvent) {
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset or an undecodable request: nothing to answer to; the proxy goes on.
            LOG.debug("admin connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    static ObjectNode error(String message) {
        return JsonNodeFactory.instance.objectNode().put("error", message);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        executor.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
