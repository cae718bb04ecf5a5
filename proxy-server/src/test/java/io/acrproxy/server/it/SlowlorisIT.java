package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris (design §4.1, timeouts.requestHeader): 1,000 connections trickling their request head one byte a
 * second are all answered 408 and closed at the header timeout, while an honest client is served at once.
 */
class SlowlorisIT {
    private static final int SLOW_CLIENTS = 1000;
    private static final byte[] HEAD = "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void trickledHeadsTimeOutAndHonestClientsAreServed() throws Exception {
        try (ProxyFixture proxy = new ProxyFixture("""
                extraHosts: [example.org]
                timeouts: {requestHeader: 3s}
                limits: {maxConnections: 5000, maxConnectionsPerClient: 5000}
                """, dir, new ProxyServerIT.FailingResolver())) {
            List<Socket> slow = new ArrayList<>();
            ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger sent = new AtomicInteger();
            try {
                for (int i = 0; i < SLOW_CLIENTS; i++) {
                    Socket s = new Socket();
                    s.connect(proxy.address(), 5000);
                    slow.add(s);
                }
                // One byte per connection per second, never the whole head.
                trickle.scheduleAtFixedRate(() -> {
                    int offset = sent.getAndIncrement();
                    for (Socket s : slow) {
                        try {
                            s.getOutputStream().write(HEAD[offset % (HEAD.length - 4)]);
                        } catch (IOException closedByProxy) {
                            // expected once the proxy has answered 408
                        }
                    }
                }, 0, 1, TimeUnit.SECONDS);
                await().until(() -> proxy.server.openConnections() == SLOW_CLIENTS);

                // Served while every slow connection is still held: not queued behind them.
                try (RawProxyClient honest = new RawProxyClient(proxy.address())) {
                    RawProxyClient.Response r = honest.send("CONNECT evil.example:443 HTTP/1.1\r\n\r\n").readResponse();
                    assertThat(r.status()).isEqualTo(403);
                    assertThat(proxy.server.openConnections()).isGreaterThanOrEqualTo(SLOW_CLIENTS);
                }

                await().atMost(Duration.ofSeconds(15)).until(() -> proxy.server.openConnections() == 0);
                trickle.shutdownNow();
                // Every one was answered 408 and logged; a client that wrote its next byte after the close may
                // have had the answer wiped by the reset that write provoked, so the log is the count to trust.
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        proxy.accessLines().stream().filter(l -> l.contains("\"reason\":\"header_timeout\"")).count() == SLOW_CLIENTS);
                int answered = 0;
                for (Socket s : slow) {
                    s.setSoTimeout(5000);
                    if (readAll(s.getInputStream()).startsWith("HTTP/1.1 408 ")) {
                        answered++;
                    }
                }
                assertThat(answered).isPositive();
            } finally {
                trickle.shutdownNow();
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }

    private static String readAll(InputStream in) throws IOException {
        try {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException reset) {
            return "";
        }
    }
}
