package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The executable jar as a user runs it: {@code run --config FILE} serves, logs its transport, writes access
 * lines to standard output, and stops on SIGTERM after draining.
 */
class RunCommandIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theJarServesAndStopsOnSigterm(boolean reusePort) throws Exception {
        int port = JarProcess.freePort();
        Path config = config(port, JarProcess.freePort(), "timeouts: {drain: 2s}\n");
        JarProcess proxy = JarProcess.run(config, "-Dacrproxy.reusePort=" + reusePort);
        try (proxy) {
            // epoll: one SO_REUSEPORT socket per event loop (2 x cores), unless switched off; NIO: always one acceptor.
            // and the relay splices bulk directions on epoll (relay.splice defaults to true), copies on NIO.
            // addresses as people write them: 127.0.0.1:3128, not /127.0.0.1:3128
            assertThat(String.join("\n", proxy.stderr)).contains("listening on 127.0.0.1:" + port + " with transport ");
            assertThat(String.join("\n", proxy.stderr)).containsPattern(reusePort
                    ? "with transport (epoll \\(\\d+ SO_REUSEPORT sockets, one per event loop; relay splices after 1048576 bytes\\)"
                            + "|nio \\(one acceptor thread; relay copies\\))"
                    : "with transport (epoll \\(one acceptor thread; relay splices after 1048576 bytes\\)"
                            + "|nio \\(one acceptor thread; relay copies\\))");

            try (RawProxyClient client = new RawProxyClient(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port))) {
                RawProxyClient.Response r = client.send("CONNECT evilreg.azurecr.io:443 HTTP/1.1\r\n\r\n").readResponse();
                assertThat(r.statusLine()).isEqualTo("HTTP/1.1 403 Forbidden by egress policy: evilreg.azurecr.io is not an allowed registry endpoint");
            }
            proxy.awaitStdout("\"reason\":\"host_not_allowed\"", Duration.ofSeconds(10));
        }
        assertThat(String.join("\n", proxy.stderr)).contains("stopping");
        assertThat(proxy.process.exitValue()).as("128 + SIGTERM, as the README and the systemd unit expect").isEqualTo(143);
    }

    /**
     * After SIGTERM the admin port stays up while connections drain: /readyz says draining, /healthz and /metrics keep
     * answering, so a balancer takes the proxy out and a person can watch the last connections end.
     */
    /** {@code proxy.yaml} on loopback ports of its own, allowing MCR, with {@code extra} config lines. */
    private Path config(int port, int adminPort, String extra) throws IOException {
        Path config = dir.resolve("proxy.yaml");
        Files.writeString(config, """
                listen: {address: 127.0.0.1, port: %d}
                admin: {port: %d}
                presets: [mcr]
                """.formatted(port, adminPort) + extra);
        return config;
    }

    private static HttpResponse<String> adminGet(int adminPort, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theAdminPortAnswersDuringTheDrain() throws Exception {
        int port = JarProcess.freePort();
        int adminPort = JarProcess.freePort();
        Path config = config(port, adminPort, "timeouts: {drain: 45s, requestHeader: 60s}\n");
        java.util.function.Function<String, HttpResponse<String>> get = path -> adminGet(adminPort, path);
        JarProcess proxy = JarProcess.run(config);
        try (proxy; java.net.Socket waiting = new java.net.Socket(InetAddress.getByName("127.0.0.1"), port)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> get.apply("/metrics").body()
                    .contains("acrproxy_connections_active 1.0"));

            proxy.process.toHandle().destroy(); // SIGTERM: the connection above keeps the drain going
            // the duration as the config writes it, not Java's PT45S
            proxy.awaitStderr("draining 1 open connection(s) for up to 45s (timeouts.drain)", Duration.ofSeconds(10));

            HttpResponse<String> ready = get.apply("/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).isEqualTo("draining\n");
            assertThat(get.apply("/healthz").statusCode()).isEqualTo(200);
            assertThat(get.apply("/metrics").body()).contains("acrproxy_connections_active 1.0");
        }
        assertThat(proxy.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(proxy.process.exitValue()).isEqualTo(143);
    }

    /** Sends {@code signal} (HUP, TERM) to the jar, as systemd or an operator would. */
    private static void signal(JarProcess proxy, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(proxy.pid())).start();
        assertThat(kill.waitFor()).as("kill -" + signal).isZero();
    }

    /**
     * SIGHUP during the drain, and SIGTERM right behind a SIGHUP (docs/reliability.md §3): the first is ignored, the second
     * may reload or not, but nothing fails, the drain goes on, and the process exits with 143 once the last connection
     * ends.
     */
    @Test
    void signalsDuringReloadAndDrainLeaveAnOrderlyExit() throws Exception {
        int port = JarProcess.freePort();
        int adminPort = JarProcess.freePort();
        Path config = config(port, adminPort, "timeouts: {drain: 45s, requestHeader: 60s}\n");
        JarProcess proxy = JarProcess.run(config);
        try (proxy; java.net.Socket waiting = new java.net.Socket(InetAddress.getByName("127.0.0.1"), port)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> adminGet(adminPort, "/metrics").body()
                    .contains("acrproxy_connections_active 1.0"));
            signal(proxy, "TERM");
            proxy.awaitStderr("draining 1 open connection(s)", Duration.ofSeconds(10));
            signal(proxy, "HUP"); // ignored while stopping (logged, when the JVM still runs signal handlers)
            assertThat(proxy.process.isAlive()).as("still draining").isTrue();
            assertThat(adminGet(adminPort, "/readyz").body()).isEqualTo("draining\n");
        }
        assertThat(proxy.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(proxy.process.exitValue()).isEqualTo(143);
        assertThat(String.join("\n", proxy.stderr)).doesNotContain("Exception", "ERROR");

        JarProcess second = JarProcess.run(config(JarProcess.freePort(), JarProcess.freePort(), ""));
        try (second) {
            signal(second, "HUP");
            signal(second, "TERM");
            assertThat(second.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
        assertThat(second.process.exitValue()).isEqualTo(143);
        assertThat(String.join("\n", second.stderr)).doesNotContain("Exception", "ERROR");
    }

    /**
     * One file, one version: check-config and explain print the version the running proxy then reports at start-up,
     * in /policy and in the access log, so an operator can confirm which policy a fleet runs.
     */
    @Test
    void checkConfigExplainAndTheRunningProxyReportTheSamePolicyVersion() throws Exception {
        int port = JarProcess.freePort();
        int adminPort = JarProcess.freePort();
        Path config = config(port, adminPort, "");
        JarProcess.CommandResult check = JarProcess.command(dir, "check-config", config.toString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("policy version ([0-9a-f]{12})").matcher(check.out());
        assertThat(m.find()).as(check.out() + check.err()).isTrue();
        String version = m.group(1);
        assertThat(JarProcess.command(dir, "explain", "--config", config.toString(), "mcr.microsoft.com").out())
                .contains("\"policyVersion\" : \"" + version + "\"");

        try (JarProcess proxy = JarProcess.run(config)) {
            assertThat(String.join("\n", proxy.stderr)).contains("policy " + version + " ");
            String policy = adminGet(adminPort, "/policy").body();
            assertThat(policy).containsPattern("\"version\" ?: ?\"" + version + "\"");
            try (RawProxyClient client = new RawProxyClient(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port))) {
                client.send("CONNECT evilreg.azurecr.io:443 HTTP/1.1\r\n\r\n").readResponse();
            }
            proxy.awaitStdout("\"policy_version\":\"" + version + "\"", Duration.ofSeconds(10));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aSecondProxyOnATakenPortFailsToStartInsteadOfSharingIt(boolean reusePort) throws Exception {
        int port = JarProcess.freePort();
        Path first = dir.resolve("first.yaml");
        Path second = dir.resolve("second.yaml");
        Files.writeString(first, "listen: {address: 127.0.0.1, port: %d}\nadmin: {port: %d}\n".formatted(port, JarProcess.freePort()));
        Files.writeString(second, "listen: {address: 127.0.0.1, port: %d}\nadmin: {port: %d}\n".formatted(port, JarProcess.freePort()));
        try (JarProcess running = JarProcess.run(first, "-Dacrproxy.reusePort=" + reusePort)) {
            JarProcess late = JarProcess.start(second, "-Dacrproxy.reusePort=" + reusePort);
            assertThat(late.process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            assertThat(late.process.exitValue()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(String.join("\n", late.stderr)).contains("run: cannot listen on 127.0.0.1:" + port + " (listen): "));
            assertThat(running.process.isAlive()).isTrue();
        }
    }
}
