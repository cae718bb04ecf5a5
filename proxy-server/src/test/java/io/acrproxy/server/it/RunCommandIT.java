package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executable jar as a user runs it: {@code run --config FILE} serves, logs its transport, writes access
 * lines to standard output, and stops on SIGTERM after draining.
 */
class RunCommandIT {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theJarServesAndStopsOnSigterm(boolean reusePort) throws Exception {
        int port = JarProcess.freePort();
        Path config = dir.resolve("proxy.yaml");
        Files.writeString(config, """
                listen: {address: 127.0.0.1, port: %d}
                admin: {port: %d}
                presets: [mcr]
                timeouts: {drain: 2s}
                """.formatted(port, JarProcess.freePort()));
        JarProcess proxy = JarProcess.run(config, "-Dacrproxy.reusePort=" + reusePort);
        try (proxy) {
            // epoll: one SO_REUSEPORT socket per event loop (2 x cores), unless switched off; NIO: always one acceptor.
            // and the relay splices bulk directions on epoll (relay.splice defaults to true), copies on NIO.
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
                    assertThat(String.join("\n", late.stderr)).contains("run: cannot listen on /127.0.0.1:" + port));
            assertThat(running.process.isAlive()).isTrue();
        }
    }
}
