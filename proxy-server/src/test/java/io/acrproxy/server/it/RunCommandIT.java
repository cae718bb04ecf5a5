package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.acrproxy.server.RepositoryRoot;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executable jar as a user runs it: {@code run --config FILE} serves, logs its transport, writes access
 * lines to standard output, and stops on SIGTERM after draining.
 */
class RunCommandIT {
    @TempDir
    Path dir;

    @Test
    void theJarServesAndStopsOnSigterm() throws Exception {
        Path jar = RepositoryRoot.find().resolve("proxy-server/target/acr-egress-proxy.jar");
        int port;
        int adminPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             ServerSocket adminProbe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
            adminPort = adminProbe.getLocalPort();
        }
        Path config = dir.resolve("proxy.yaml");
        Files.writeString(config, """
                listen: {address: 127.0.0.1, port: %d}
                admin: {port: %d}
                presets: [mcr]
                timeouts: {drain: 2s}
                """.formatted(port, adminPort));
        Process proxy = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "run", "--config", config.toString()).start();
        List<String> stdout = new CopyOnWriteArrayList<>();
        List<String> stderr = new CopyOnWriteArrayList<>();
        pump(proxy.getInputStream(), stdout);
        pump(proxy.getErrorStream(), stderr);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> stderr.stream().anyMatch(l -> l.contains("admin endpoints on")));
            assertThat(String.join("\n", stderr)).containsPattern("with transport (epoll|nio)");

            try (RawProxyClient client = new RawProxyClient(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port))) {
                RawProxyClient.Response r = client.send("CONNECT evilreg.azurecr.io:443 HTTP/1.1\r\n\r\n").readResponse();
                assertThat(r.statusLine()).isEqualTo("HTTP/1.1 403 Forbidden by egress policy: evilreg.azurecr.io is not an allowed registry endpoint");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> stdout.stream().anyMatch(l -> l.contains("\"reason\":\"host_not_allowed\"")));
        } finally {
            proxy.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the output streams
            assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(String.join("\n", stderr)).contains("stopping");
    }

    private static void pump(java.io.InputStream in, List<String> into) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    into.add(line);
                }
            } catch (java.io.IOException e) {
                into.add("(stream closed: " + e + ")");
            }
        });
        t.setDaemon(true);
        t.start();
    }
}
