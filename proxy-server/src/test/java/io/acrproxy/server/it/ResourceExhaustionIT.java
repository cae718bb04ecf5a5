package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Running out, gracefully (design §2.1, §12): the jar in a process of its own with a small heap, a small direct-memory
 * limit or a lowered open-file limit. Each case must end in {@code 503 resource_exhausted} refusals for new work,
 * counted and logged once a minute, with the open tunnels unharmed and full service once the resource is back. The
 * Netty leak detector runs at {@code paranoid}; a leak report fails the test.
 */
class ResourceExhaustionIT {
    private static final String HOST = "other.example.org";
    private static final String SHORTAGE_LOG = "refusing new connections with 503 (resource_exhausted)";

    @TempDir
    Path dir;

    private TlsOrigin origin;
    private final List<Socket> held = new ArrayList<>();
    private int port;
    private int adminPort;
    private InetSocketAddress proxyAddress;

    @BeforeEach
    void start() throws Exception {
        origin = new TlsOrigin("127.0.0.96");
        port = JarProcess.freePort();
        adminPort = JarProcess.freePort();
        proxyAddress = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
    }

    @AfterEach
    void stop() throws IOException {
        closeAll(held);
        origin.close();
    }

    private Path config(int originPort, String extra) throws IOException {
        return Files.writeString(dir.resolve("exhaustion.yaml"), """
                listen: {address: 127.0.0.1, port: %d}
                admin: {port: %d}
                extraHosts: [%s]
                ports: [%d]
                destinations: {denyRanges: ['169.254.0.0/16']}
                resolver: {hosts: {%s: %s}}
                limits: {maxConnectionsPerClient: 20000}
                timeouts: {drain: 1s}
                %s
                """.formatted(port, adminPort, HOST, originPort, HOST, "127.0.0.96", extra));
    }

    /**
     * Many slow readers with 48 MiB of direct memory: each holds what the proxy queued toward it (up to the write
     * buffer's high water mark and one read; the streams are longer than the kernel's socket buffers take in, so the
     * rest waits in the upstream's socket). Before the memory runs out, new connections get {@code 503
     * resource_exhausted}: the direct memory taken is above 85% and the tunnels' queues hold more than half of that
     * (design §2.1). The open tunnels are unharmed: every admitted reader gets every byte and a FIN, no read fails,
     * {@code /healthz} answers meanwhile, one warning a minute, and new tunnels are served once the readers are done
     * (the memory Netty keeps for reuse does not refuse them).
     */
    @Test
    void slowReadersFillingDirectMemoryAreRefusedBeforeItRunsOutAndTheAdmittedOnesGetEveryByte() throws Exception {
        long stream = 8L << 20;
        try (RawOrigin streams = new RawOrigin("127.0.0.97", stream)) {
            // Without splice: a spliced direction keeps what its reader has not taken in a pipe, in the kernel, and
            // the slow readers would hold no direct memory at all.
            Path config = Files.writeString(dir.resolve("direct.yaml"), Files.readString(config(streams.port(),
                            "relay: {splice: false}"))
                    .replace("127.0.0.96", "127.0.0.97"));
            byte[] hello = TestTls.clientHello(HOST, streams.port());
            try (JarProcess jar = JarProcess.run(config, "-XX:MaxDirectMemorySize=48m",
                    "-Dio.netty.leakDetection.level=paranoid")) {
                List<RawProxyClient> slowReaders = new ArrayList<>();
                String refusal = null;
                for (int i = 0; i < 200; i++) {
                    RawProxyClient raw = rawClient(4096);
                    held.add(raw.socket);
                    RawProxyClient.Response answer = raw.send("CONNECT " + HOST + ":" + streams.port() + " HTTP/1.1\r\n\r\n")
                            .readResponse();
                    if (answer.status() == 503) {
                        refusal = answer.statusLine();
                        continue;
                    }
                    assertThat(answer.status()).as("tunnel %d", i).isEqualTo(200);
                    raw.send(hello); // the origin starts its stream once it has the ClientHello, and nobody reads it yet
                    // Let the proxy's queue toward this reader fill before the next one asks: a burst of admissions
                    // faster than the queues fill would outrun any check at admission.
                    await().atMost(Duration.ofSeconds(10)).until(() -> raw.socket.getInputStream().available() > 0);
                    slowReaders.add(raw);
                }
                assertThat(refusal).as("a refusal before direct memory ran out").isNotNull()
                        .contains("Proxy busy: the proxy is short of direct memory (")
                        .contains("% queued toward slow readers, above limits.maxMemoryPercent 85%");
                assertHealthy();
                assertThat(deniedByReason("resource_exhausted")).isPositive();

                for (RawProxyClient reader : slowReaders) {
                    RawOrigin.readPattern(reader.socket.getInputStream(), stream);
                    reader.close();
                }
                awaitServedAgain(streams.port());
                assertThat(jar.stderrLinesContaining(SHORTAGE_LOG)).as("one warning a minute").isEqualTo(1);
                assertThat(jar.stderr).noneMatch(l -> l.contains("OutOfMemoryError") || l.contains("LEAK:")
                        || l.contains("Exception in thread"));
            }
        }
    }

    /**
     * Idle tunnels until the heap is nearly full, with a 32 MiB heap: new tunnels are refused with 503 while what
     * survives a collection is above 85% of the heap, the open tunnels still carry bytes both ways, and once they
     * close new tunnels are served again.
     */
    @Test
    void aHeapNearItsLimitRefusesNewTunnelsAndTheOpenOnesGoOn() throws Exception {
        try (RawOrigin sink = new RawOrigin("127.0.0.97", 0)) {
            Files.writeString(dir.resolve("exhaustion.yaml"), "");
            Path config = Files.writeString(dir.resolve("heap.yaml"), Files.readString(config(sink.port(), ""))
                    .replace("127.0.0.96", "127.0.0.97"));
            byte[] hello = TestTls.clientHello(HOST, sink.port());
            try (JarProcess jar = JarProcess.run(config, "-Xmx32m", "-Xms32m", "-XX:+UseG1GC",
                    "-Dio.netty.leakDetection.level=paranoid")) {
                String refusal = null;
                for (int i = 0; i < 15_000 && refusal == null; i++) {
                    RawProxyClient raw = rawClient(0);
                    held.add(raw.socket);
                    RawProxyClient.Response answer = raw.send("CONNECT " + HOST + ":" + sink.port() + " HTTP/1.1\r\n\r\n")
                            .readResponse();
                    if (answer.status() == 503) {
                        refusal = answer.statusLine();
                        break;
                    }
                    assertThat(answer.status()).as("tunnel %d", i).isEqualTo(200);
                    raw.send(hello);
                }
                assertThat(refusal).as("a refusal before the heap ran out").isNotNull()
                        .contains("Proxy busy: the proxy is short of heap (").contains("after the last garbage collection");
                int open = held.size() - 1;
                assertHealthy();

                // The open tunnels are unharmed: bytes go both ways through the first and the last of them.
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.accepted.size() >= open);
                for (int index : new int[] {0, open - 1}) {
                    Socket client = held.get(index);
                    Socket upstream = sink.accepted.get(index);
                    client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                    upstream.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
                    assertThat(readTail(upstream.getInputStream(), 4)).isEqualTo("ping");
                    assertThat(new String(client.getInputStream().readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("pong");
                }

                // Both ends close, so the tunnels end (a client's FIN alone leaves each half-open toward the sink).
                closeAll(held);
                closeAll(sink.accepted);
                await().atMost(Duration.ofSeconds(30)).until(() -> OpenFiles.count(jar.pid()) < 200);
                awaitServedAgain(sink.port());
                assertThat(jar.stderrLinesContaining(SHORTAGE_LOG)).isEqualTo(1);
                assertThat(jar.stderr).noneMatch(l -> l.contains("OutOfMemoryError") || l.contains("LEAK:"));
            }
        }
    }

    /**
     * The open-file limit lowered under a running proxy (prlimit): a client that is accepted but finds no descriptor
     * for the upstream socket gets 503 resource_exhausted, not a 502 that blames the registry; an open tunnel that
     * moves a bulk transfer, which would take a splice pipe (two descriptors), copies instead and loses nothing; with
     * descriptors back, new tunnels are served.
     */
    @Test
    void descriptorsRunningOutAtTheUpstreamConnectAndForSplicePipes() throws Exception {
        int blob = 8 << 20;
        try (JarProcess jar = JarProcess.run(config(origin.port(), "relay: {spliceAfterBytes: 65536}"),
                "-Dio.netty.leakDetection.level=paranoid")) {
            RawProxyClient first = rawClient(0);
            held.add(first.socket);
            SSLSocket tunnel = TlsTunnels.open(first, HOST, origin.port());

            long open = OpenFiles.count(jar.pid());
            OpenFiles.setLimit(jar.pid(), open + 1); // room to accept one client, none for its upstream socket
            RawProxyClient second = rawClient(0);
            held.add(second.socket);
            RawProxyClient.Response answer = second.send("CONNECT " + HOST + ":" + origin.port() + " HTTP/1.1\r\n\r\n")
                    .readResponse();
            assertThat(answer.status()).isEqualTo(503);
            assertThat(answer.statusLine()).contains("Proxy busy: the proxy is out of file descriptors (Too many open "
                    + "files) to connect to 127.0.0.96:" + origin.port() + "; retry shortly");
            assertThat(answer.header("Retry-After")).isEqualTo("2");
            closeAll(List.of(second.socket));
            await().atMost(Duration.ofSeconds(5)).until(() -> OpenFiles.count(jar.pid()) <= open);

            // The open tunnel: 8 MiB down, past spliceAfterBytes, with no descriptor for a pipe.
            tunnel.getOutputStream().write(("GET /blobs/" + blob + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            tunnel.getOutputStream().flush();
            assertThat(readBody(tunnel.getInputStream(), blob)).isEqualTo(TlsOrigin.sha256(TlsOrigin.blob(blob)));

            OpenFiles.setLimit(jar.pid(), 20_000);
            awaitServedAgain();
            assertThat(deniedByReason("resource_exhausted")).isEqualTo(1);
            assertThat(jar.stderrLinesContaining(SHORTAGE_LOG)).isEqualTo(1);
            assertThat(jar.stderr).noneMatch(l -> l.contains("LEAK:"));
        }
    }

    private RawProxyClient rawClient(int receiveBuffer) throws IOException {
        if (receiveBuffer == 0) {
            return new RawProxyClient(proxyAddress);
        }
        return new RawProxyClient(proxyAddress, null, receiveBuffer);
    }

    /** The response body after an HTTP head, {@code size} bytes, as its SHA-256. */
    private static byte[] readBody(InputStream in, int size) throws Exception {
        RawProxyClient.readHeadOnly(in);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        for (int left = size; left > 0; ) {
            int n = in.read(buffer, 0, Math.min(buffer.length, left));
            assertThat(n).as("the download ended %d bytes early", left).isPositive();
            sha.update(buffer, 0, n);
            left -= n;
        }
        return sha.digest();
    }

    /** The last {@code n} bytes of what arrives until {@code n} new ones are in, after the relayed ClientHello. */
    private static String readTail(InputStream in, int n) throws IOException {
        byte[] all = new byte[0];
        while (all.length < n || !new String(all, all.length - n, n, StandardCharsets.US_ASCII).equals("ping")) {
            byte[] chunk = new byte[4096];
            int read = in.read(chunk);
            assertThat(read).isPositive();
            all = concat(all, Arrays.copyOf(chunk, read));
        }
        return new String(all, all.length - n, n, StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private void assertHealthy() throws Exception {
        assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    private void awaitServedAgain() {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            try (RawProxyClient raw = new RawProxyClient(proxyAddress)) {
                SSLSocket tls = TlsTunnels.open(raw, HOST, origin.port());
                assertThat(TlsTunnels.get(tls, HOST).status()).isEqualTo(200);
            }
        });
    }

    private void awaitServedAgain(int sinkPort) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            try (RawProxyClient raw = new RawProxyClient(proxyAddress)) {
                assertThat(raw.send("CONNECT " + HOST + ":" + sinkPort + " HTTP/1.1\r\n\r\n").readResponse().status())
                        .isEqualTo(200);
            }
        });
    }

    private String metrics() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private long deniedByReason(String reason) throws Exception {
        Matcher m = Pattern.compile("(?m)^acrproxy_denied_requests_total\\{[^}]*reason=\"" + reason + "\"[^}]*} (\\S+)$")
                .matcher(metrics());
        long sum = 0;
        while (m.find()) {
            sum += (long) Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closed by the proxy already
            }
        }
        if (sockets instanceof ArrayList<Socket> list) {
            list.clear();
        }
    }

    /**
     * A plain-TCP upstream: once a connection's first bytes (the relayed ClientHello) arrive, it sends {@code stream}
     * bytes of a fixed pattern and closes; with {@code stream} 0 it accepts and holds every connection without a word,
     * the far end of an idle tunnel. The proxy checks only the ClientHello, so the rest need not be TLS.
     */
    private static final class RawOrigin implements AutoCloseable {
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final ServerSocket server;

        RawOrigin(String address, long stream) throws IOException {
            server = new ServerSocket(0, 4096, InetAddress.getByName(address));
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = server.accept();
                        accepted.add(s);
                        if (stream > 0) {
                            Thread writer = new Thread(() -> send(s, stream), "raw-origin-stream");
                            writer.setDaemon(true);
                            writer.start();
                        }
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "raw-origin");
            t.setDaemon(true);
            t.start();
        }

        private static void send(Socket s, long stream) {
            try (s) {
                s.getInputStream().read(new byte[16 * 1024]);
                var out = s.getOutputStream();
                byte[] chunk = new byte[64 * 1024];
                for (long sent = 0; sent < stream; sent += chunk.length) {
                    fill(chunk, sent);
                    out.write(chunk, 0, (int) Math.min(chunk.length, stream - sent));
                }
            } catch (IOException e) {
                // the client or the proxy went away: the reading side reports what it missed
            }
        }

        /** Byte {@code i} of the stream is a function of {@code i}, so a reader can check each one as it comes. */
        private static void fill(byte[] chunk, long offset) {
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = patternByte(offset + i);
            }
        }

        private static byte patternByte(long i) {
            return (byte) (i * 31 + (i >>> 11));
        }

        /** Reads the whole stream and checks every byte, then requires the end (FIN) right after it. */
        static void readPattern(InputStream in, long stream) throws IOException {
            byte[] buffer = new byte[64 * 1024];
            long position = 0;
            while (position < stream) {
                int n = in.read(buffer);
                assertThat(n).as("the stream ended %d bytes early", stream - position).isPositive();
                for (int i = 0; i < n; i++, position++) {
                    if (buffer[i] != patternByte(position)) {
                        throw new AssertionError("byte " + position + " of the stream is wrong");
                    }
                }
            }
            assertThat(in.read()).as("the end, right after the last byte").isEqualTo(-1);
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            closeAll(new ArrayList<>(accepted));
        }
    }
}
