package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * File-descriptor exhaustion (design §2.1: accept errors are logged once per interval and do not spin a
 * core). The proxy runs in a process of its own whose open-file limit is lowered with {@code prlimit} once it
 * is up, so that accepting the next client fails with EMFILE while the kernel keeps completing handshakes into
 * the backlog. A naive accept loop would then retry at full speed: the listening socket stays readable.
 */
class AcceptErrorsIT {
    private static final String WARNING = "cannot accept client connections";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void runningOutOfFileDescriptorsPausesAcceptingLogsOnceAndRecovers(String transport) throws Exception {
        int port = JarProcess.freePort();
        int adminPort = JarProcess.freePort();
        Path config = dir.resolve("proxy.yaml");
        Files.writeString(config, """
                listen: {address: 127.0.0.1, port: %d}
                admin: {port: %d}
                transport: %s
                timeouts: {requestHeader: 60s, drain: 1s}
                """.formatted(port, adminPort, transport));
        InetSocketAddress proxyAddress = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
        List<Socket> held = new ArrayList<>();
        try (JarProcess proxy = JarProcess.run(config)) {
            long open = OpenFiles.count(proxy.pid());
            OpenFiles.setLimit(proxy.pid(), open + 5);
            for (int i = 0; i < 20; i++) { // the first few are accepted and hold a descriptor; the rest wait in the backlog
                Socket s = new Socket();
                s.connect(proxyAddress, 5000);
                held.add(s);
            }
            proxy.awaitStderr(WARNING, Duration.ofSeconds(10));

            // While descriptors stay exhausted the proxy must idle, not retry accept() at full speed.
            Duration cpuBefore = proxy.cpuTime();
            long start = System.nanoTime();
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> {
                long usedMillis = proxy.cpuTime().minus(cpuBefore).toMillis();
                long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
                return usedMillis <= elapsedMillis / 4 + 300;
            });
            assertThat(proxy.stderrLinesContaining(WARNING)).as("one warning per minute, not one per attempt").isEqualTo(1);
            assertThat(proxy.stderr).noneMatch(l -> l.contains("reached at the tail of the pipeline"));

            // Descriptors come back: the proxy serves again without a restart.
            OpenFiles.setLimit(proxy.pid(), 20_000);
            closeAll(held);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (RawProxyClient client = new RawProxyClient(proxyAddress)) {
                    assertThat(client.send("CONNECT evilreg.azurecr.io:443 HTTP/1.1\r\n\r\n").readResponse().status())
                            .isEqualTo(403);
                }
            });
            assertThat(acceptErrors(adminPort)).isGreaterThan(0);
        } finally {
            closeAll(held);
        }
    }

    private static double acceptErrors(int adminPort) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^acrproxy_accept_errors_total(?:\\{[^}]*\\})? (\\S+)$").matcher(metrics);
        assertThat(m.find()).as("acrproxy_accept_errors_total in /metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed by the proxy
            }
        }
        sockets.clear();
    }
}
