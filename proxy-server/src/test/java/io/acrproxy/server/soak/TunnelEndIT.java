package io.acrproxy.server.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.acrproxy.server.it.JarProcess;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tunnel whose two sides both end in order — TLS close_notify and a FIN each way, whichever side goes first — is
 * {@code completed} in the access log (design §9.2). Found by the soak: when the origin half-closed first and the
 * client's FIN came second, the client connection's close also closed the upstream before the relay saw the client's
 * end, and the tunnel was logged (and counted) as {@code upstream_closed}.
 */
class TunnelEndIT {
    @TempDir
    Path dir;

    @Test
    void orderlyEndsEitherSideFirstAreCompleted() throws Exception {
        SoakTls tls = SoakTls.create(dir, SoakHosts.DATA, SoakHosts.IDLE, SoakHosts.REVOCABLE, SoakHosts.DNS_OK);
        try (SoakOrigin data = new SoakOrigin(SoakHosts.DATA_ADDRESS, tls.server);
             SoakDns dns = new SoakDns(SoakHosts.DNS_SERVER_ADDRESS, Map.of())) {
            // only the data origin is used; the other ports just need to be distinct
            SoakHosts hosts = new SoakHosts(data.port(), 1, 2, 3);
            int port = JarProcess.freePort();
            SoakConfig config = new SoakConfig(dir.resolve("tunnel-end.yaml"), port, JarProcess.freePort(), hosts,
                    dns.serverEntry(), 2000);
            config.write(true, 0);
            InetSocketAddress proxy = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
            Instant start = Instant.now();
            try (JarProcess jar = JarProcess.run(config.file())) {
                Ledger ledger = new Ledger();
                Workloads workloads = new Workloads(proxy, tls.client, hosts, ledger, 2000);
                for (int i = 0; i < 4; i++) {
                    workloads.run(Kind.DOWNLOAD); // the origin's FIN first
                    workloads.run(Kind.HALF_CLOSE_UPLOAD); // the client's FIN first
                }
                assertThat(ledger.count(Outcome.OK)).as("%s", ledger.failureExamples()).isEqualTo(8);
                await().atMost(Duration.ofSeconds(10)).until(() -> new AccessLogCheck(jar.stdout, start).lines.size() == 8);
                List<String> ends = new AccessLogCheck(jar.stdout, start).lines.stream().map(AccessLogCheck.Line::end).toList();
                assertThat(ends).containsOnly("completed");
            }
        }
    }
}
