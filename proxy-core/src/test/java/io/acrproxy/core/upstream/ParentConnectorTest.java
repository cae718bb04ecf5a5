package io.acrproxy.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.dns.HostResolver;
import io.acrproxy.core.dns.StaticHostResolver;
import io.acrproxy.core.observe.ProxyMetrics;
import io.acrproxy.core.transport.Transport;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.route.ParentProxy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tunnels through parent proxies that are plain sockets on loopback, each answering as a test tells it: the request the
 * proxy sends, each kind of answer, and failover from a parent that cannot be reached to the next.
 */
class ParentConnectorTest {
    private static final Authority TARGET = Authority.parse("myreg.azurecr.io:443");

    private final MultiThreadIoEventLoopGroup group = Transport.NIO.newGroup(1);
    private final EventLoop loop = group.next();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final HostResolver resolver = new StaticHostResolver(Map.of("corp.example", List.of(ip("127.0.0.41"))),
            new HostResolver() {
                @Override
                public Future<List<InetAddress>> resolve(String host, EventLoop l) {
                    return l.newFailedFuture(new java.net.UnknownHostException(host)); // no DNS in tests
                }

                @Override
                public void close() {
                }
            });
    private ServerSocket parentSocket;

    @AfterEach
    void close() throws Exception {
        if (parentSocket != null) {
            parentSocket.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private ParentConnector connector(List<ParentProxy> parents, Duration timeout) {
        ParentHealth health = new ParentHealth(parents, Duration.ofSeconds(30), now::get, new ProxyMetrics(registry));
        return new ParentConnector(resolver, new UpstreamConnector(Transport.NIO, timeout), health, timeout, now::get);
    }

    /** A parent on 127.0.0.41 that reads the request head, answers {@code answer}, and reports the head it read. */
    private CompletableFuture<String> parentAnswering(String answer) throws IOException {
        parentSocket = new ServerSocket(0, 50, ip("127.0.0.41"));
        CompletableFuture<String> head = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (Socket s = parentSocket.accept()) {
                InputStream in = s.getInputStream();
                StringBuilder sb = new StringBuilder();
                while (!sb.toString().endsWith("\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    sb.append((char) b);
                }
                head.complete(sb.toString());
                OutputStream out = s.getOutputStream();
                out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                s.getInputStream().read(); // until the proxy closes
            } catch (IOException e) {
                head.completeExceptionally(e);
            }
        }, "parent");
        t.setDaemon(true);
        t.start();
        return head;
    }

    private ParentProxy parent(String name, boolean withCredentials) {
        return new ParentProxy(name, "corp.example", parentSocket.getLocalPort(), withCredentials ? "edge" : null,
                withCredentials ? "p@ss:w rd" : null);
    }

    private static ParentProxy deadParent() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, ip("127.0.0.42"))) {
            port = s.getLocalPort(); // closed again: connecting is refused
        }
        return new ParentProxy("dead", "127.0.0.42", port, null, null);
    }

    private static <T> T result(Future<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static ParentFailure failure(Future<?> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return (ParentFailure) e.getCause();
        }
        throw new AssertionError("succeeded: " + f.getNow());
    }

    @Test
    void asksForTheTargetsNameWithHostAndCredentialsAndHandsOnWhatTheParentSentBehindIts2xx() throws Exception {
        CompletableFuture<String> head = parentAnswering("HTTP/1.1 200 Connection established\r\n\r\nserver-first");
        ParentProxy corp = parent("corp", true);

        ParentConnector.Opened opened = result(connector(List.of(corp), Duration.ofSeconds(5)).open(loop, List.of(corp), TARGET));

        assertThat(head.get(5, TimeUnit.SECONDS)).isEqualTo("CONNECT myreg.azurecr.io:443 HTTP/1.1\r\n"
                + "Host: myreg.azurecr.io:443\r\nProxy-Authorization: Basic ZWRnZTpwQHNzOncgcmQ=\r\n\r\n");
        assertThat(opened.parent()).isEqualTo(corp);
        CompletableFuture<String> relayed = new CompletableFuture<>();
        Channel channel = opened.channel();
        loop.submit(() -> {
            channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    relayed.complete(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
                    ((ByteBuf) msg).release();
                }
            });
            ParentConnector.releaseHeldBytes(channel);
        }).sync();
        assertThat(relayed.get(5, TimeUnit.SECONDS)).isEqualTo("server-first");
        channel.close().sync();
        assertThat(registry.get("acrproxy.parent.connect").tag("parent", "corp").timer().count()).isEqualTo(1);
    }

    @Test
    void aParentThatRefusesTheTargetDecidesNoOtherParentIsAsked() throws Exception {
        parentAnswering("HTTP/1.1 403 Forbidden\r\nContent-Length: 10\r\n\r\n0123456789");
        ParentProxy corp = parent("corp", false);
        ParentProxy dead = deadParent();

        ParentFailure f = failure(connector(List.of(corp, dead), Duration.ofSeconds(5)).open(loop, List.of(corp, dead), TARGET));

        assertThat(f.reason()).isEqualTo(Reason.PARENT_REFUSED);
        assertThat(f.receivedStatus()).isEqualTo(403);
        assertThat(f.getMessage()).isEqualTo("parent proxy corp (corp.example:" + parentSocket.getLocalPort()
                + ") refused the tunnel to myreg.azurecr.io:443 (403 Forbidden)");
        assertThat(registry.get("acrproxy.parent.failures").tag("parent", "dead").tag("reason", "parent_unreachable")
                .counter().count()).as("the second parent was never tried").isZero();
    }

    @Test
    void a407IsAnAuthenticationFailureOfTheParentsCredentials() throws Exception {
        parentAnswering("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n\r\n");
        ParentProxy corp = parent("corp", true);

        ParentFailure f = failure(connector(List.of(corp), Duration.ofSeconds(5)).open(loop, List.of(corp), TARGET));

        assertThat(f.reason()).isEqualTo(Reason.PARENT_AUTH_FAILED);
        assertThat(f.refusal().status()).isEqualTo(502);
        assertThat(io.acrproxy.core.connection.ProxyResponses.render(f.refusal()))
                .contains("Proxy-Status: acr-egress-proxy; error=destination_unavailable; next-hop=\"corp\"; "
                        + "received-status=407; details=");
    }

    @Test
    void aGarbledAnswerIsABadResponse() throws Exception {
        parentAnswering("SSH-2.0-OpenSSH\r\n\r\n");
        ParentProxy corp = parent("corp", false);

        assertThat(failure(connector(List.of(corp), Duration.ofSeconds(5)).open(loop, List.of(corp), TARGET)).reason())
                .isEqualTo(Reason.PARENT_BAD_RESPONSE);
    }

    @Test
    void aParentThatDoesNotAnswerInTimeIsATimeout() throws Exception {
        parentSocket = new ServerSocket(0, 50, ip("127.0.0.41")); // accepts (the kernel does), never answers
        ParentProxy corp = parent("corp", false);

        ParentFailure f = failure(connector(List.of(corp), Duration.ofMillis(300)).open(loop, List.of(corp), TARGET));

        assertThat(f.reason()).isEqualTo(Reason.PARENT_TIMEOUT);
        assertThat(f.getMessage()).contains("did not answer the CONNECT within 300ms");
    }

    @Test
    void anUnreachableFirstParentIsSkippedAndTheSecondOpensTheTunnelThenTheFirstGoesLastForAWhile() throws Exception {
        ParentProxy dead = deadParent();
        parentAnswering("HTTP/1.1 200 OK\r\n\r\n");
        ParentProxy corp = parent("corp", false);
        ParentConnector connector = connector(List.of(dead, corp), Duration.ofSeconds(5));

        ParentConnector.Opened opened = result(connector.open(loop, List.of(dead, corp), TARGET));

        assertThat(opened.parent()).isEqualTo(corp);
        loop.submit(() -> opened.channel().close()).sync();
        assertThat(registry.get("acrproxy.parent.failures").tag("parent", "dead").tag("reason", "parent_unreachable")
                .counter().count()).isEqualTo(1);
        assertThat(registry.get("acrproxy.parent.up").tag("parent", "dead").gauge().value()).isZero();
        assertThat(connector.health().order(List.of(dead, corp))).containsExactly(corp, dead);

        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertThat(connector.health().order(List.of(dead, corp))).as("after timeouts.parentRetry").containsExactly(dead, corp);
        assertThat(registry.get("acrproxy.parent.up").tag("parent", "dead").gauge().value()).isEqualTo(1);
    }

    @Test
    void whenNoParentCanBeReachedTheAnswerSaysWhatHappenedToEach() throws Exception {
        ParentProxy dead = deadParent();
        ParentProxy unknown = new ParentProxy("nowhere", "nowhere.example", 3128, null, null);

        ParentFailure f = failure(connector(List.of(dead, unknown), Duration.ofSeconds(5))
                .open(loop, List.of(dead, unknown), TARGET));

        assertThat(f.reason()).isEqualTo(Reason.PARENT_UNREACHABLE);
        assertThat(f.getMessage()).startsWith("no parent proxy could be reached: parent proxy dead (127.0.0.42:")
                .contains("refused the connection; the name of parent proxy nowhere (nowhere.example:3128) could not be "
                        + "resolved");
    }
}
