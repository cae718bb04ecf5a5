package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log reader that stops reading must not stall the proxy (docs/reliability.md §3): with the jar's standard output — the
 * access log — never read, the pipe fills after 64 KiB and the access log's writer blocks; the event loops go on
 * answering every request, once the access log's queue (16,384 lines) is full lines are dropped and counted, and
 * SIGTERM still ends the process (its last log flush is bounded).
 */
class BlockedLogIT {
    @TempDir
    Path dir;

    @Test
    void anUnreadAccessLogNeverStallsTheEventLoops() throws Exception {
        int port = JarProcess.freePort();
        int adminPort = JarProcess.freePort();
        Path config = dir.resolve("blocked-log.yaml");
        Files.writeString(config, """
                listen: {address: 127.0.0.1, port: %d}
                admin: {port: %d}
                presets: [mcr]
                """.formatted(port, adminPort));
        InetSocketAddress proxy = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
        try (JarProcess jar = JarProcess.runWithStdoutUnread(config)) {
            // More refusals than the queue holds: each one's line goes to the blocked output, or is dropped.
            int requests = 17_000;
            for (int i = 0; i < requests; i++) {
                try (RawProxyClient client = new RawProxyClient(proxy)) {
                    assertThat(client.send("CONNECT evil" + i + ".example:443 HTTP/1.1\r\n\r\n").readResponse().status())
                            .as("request %d, with the access log blocked", i).isEqualTo(403);
                }
            }
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(10)).until(() -> dropped(http, adminPort) > 0);
            assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        } // close() sends SIGTERM and requires the process to exit within 30 s, blocked output or not
    }

    private static double dropped(HttpClient http, int adminPort) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^acrproxy_access_log_dropped_total (\\S+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
