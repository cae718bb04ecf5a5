package io.acrproxy.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.acrproxy.server.Application;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The running proxy follows its config file, laid out as a Kubernetes ConfigMap volume mounts it: the file
 * is a symlink into {@code ..data}, itself a symlink to a timestamped directory that an update replaces
 * by renaming a new {@code ..data} over the old one.
 */
class SourceWatcherIT {
    @RegisterExtension
    static final TlsOriginExtension origin = TlsOriginExtension.on("127.0.0.29");

    @TempDir
    Path mount;

    private String config(String registries, String extra) {
        return """
                registries: %s
                ports: [%d]
                destinations: {denyRanges: ['169.254.0.0/16']}
                resolver: {hosts: {myregistry.azurecr.io: 127.0.0.29, evilreg.azurecr.io: 127.0.0.29}}
                %s
                """.formatted(registries, origin.port(), extra);
    }

    private int generation;

    /** Publishes a new ConfigMap version the way the kubelet does: a new directory, then an atomic ..data swap. */
    private void publish(String yaml) throws IOException {
        String version = "..2026_11_28_00_00_0" + generation++;
        Path dir = Files.createDirectory(mount.resolve(version));
        Files.writeString(dir.resolve("proxy.yaml"), yaml, StandardCharsets.UTF_8);
        Path tmp = mount.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, Path.of(version));
        Files.move(tmp, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void configMapUpdatesApplyAndRevokeAndABadOneChangesNothing() throws Exception {
        publish(config("[{name: myregistry}]", ""));
        Path configFile = mount.resolve("proxy.yaml");
        Files.createSymbolicLink(configFile, Path.of("..data/proxy.yaml"));

        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger appLogger = (Logger) LoggerFactory.getLogger(Application.class);
        appLogger.addAppender(log);
        try (AppFixture f = new AppFixture(configFile, new ProxyServerIT.FailingResolver());
             RawProxyClient toMine = new RawProxyClient(f.proxyAddress())) {
            SSLSocket mine = TlsTunnels.open(toMine, "myregistry.azurecr.io", origin.port());
            assertThat(connectStatus(f, "evilreg.azurecr.io")).isEqualTo(403);

            // Adding a registry makes it reachable within 2 s.
            publish(config("[{name: myregistry}, {name: evilreg}]", ""));
            await().atMost(Duration.ofSeconds(2)).until(() -> connectStatus(f, "evilreg.azurecr.io") == 200);

            // Removing one closes its open tunnel; a tunnel to the other keeps flowing.
            try (RawProxyClient toEvil = new RawProxyClient(f.proxyAddress())) {
                SSLSocket evil = TlsTunnels.open(toEvil, "evilreg.azurecr.io", origin.port());
                publish(config("[{name: evilreg}]", ""));
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThatThrownBy(() -> TlsTunnels.get(mine, "myregistry.azurecr.io")).isInstanceOf(IOException.class));
                assertThat(TlsTunnels.get(evil, "evilreg.azurecr.io").status()).isEqualTo(200);
            }

            // An invalid edit leaves the policy in force and says why in the log.
            String version = f.app.proxy().policies().get().version();
            publish(config("[{name: evilreg}]", "bogusKey: 1"));
            await().atMost(Duration.ofSeconds(5)).until(() -> log.list.stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("reload after a file change failed")
                            && e.getFormattedMessage().contains("bogusKey")));
            assertThat(f.app.proxy().policies().get().version()).isEqualTo(version);
            assertThat(connectStatus(f, "evilreg.azurecr.io")).isEqualTo(200);
        } finally {
            appLogger.detachAppender(log);
        }
    }

    /**
     * A reload storm (docs/reliability.md §3): the config file rewritten 100 times a second for 10 s, every version valid and each
     * unrelated to an open tunnel. The quiet period folds the storm into a few reloads, the proxy does not spend a core
     * on it, the tunnel keeps flowing, and the last version is in force soon after the storm.
     */
    @Test
    void aReloadStormFoldsIntoFewReloadsWithoutTouchingOpenTunnels() throws Exception {
        Path configFile = mount.resolve("storm.yaml");
        Files.writeString(configFile, config("[{name: myregistry}]", ""));
        try (AppFixture f = new AppFixture(configFile, new ProxyServerIT.FailingResolver());
             RawProxyClient toMine = new RawProxyClient(f.proxyAddress())) {
            SSLSocket mine = TlsTunnels.open(toMine, "myregistry.azurecr.io", origin.port());
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpuBefore = os.getProcessCpuTime();
            long writerCpu = 0;
            long stormEnd = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int edits = 0;
            long writerStart = threads.getCurrentThreadCpuTime();
            while (System.nanoTime() < stormEnd) {
                // an unrelated edit: a comment that changes the file's content, not what it allows
                Files.writeString(configFile, config("[{name: myregistry}]", "# edit " + edits++));
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            }
            writerCpu = threads.getCurrentThreadCpuTime() - writerStart;
            long proxyCpu = os.getProcessCpuTime() - cpuBefore - writerCpu;

            assertThat(edits).isGreaterThan(500);
            assertThat(proxyCpu).as("CPU the proxy spent during a 10 s storm: far from a core")
                    .isLessThan(Duration.ofSeconds(5).toNanos());
            Files.writeString(configFile, config("[{name: myregistry}, {name: evilreg}]", ""));
            await().atMost(Duration.ofSeconds(5)).until(() -> connectStatus(f, "evilreg.azurecr.io") == 200);
            assertThat(TlsTunnels.get(mine, "myregistry.azurecr.io").status()).as("the open tunnel").isEqualTo(200);
            double reloads = f.app.registry().get("acrproxy.policy.reloads").tag("source", "config")
                    .tag("result", "success").counter().count();
            assertThat(reloads).as("reloads for %d edits", edits).isLessThan(edits / 10.0);
        }
    }

    private static int connectStatus(AppFixture f, String host) throws IOException {
        try (RawProxyClient raw = new RawProxyClient(f.proxyAddress())) {
            return raw.send("CONNECT " + host + ":" + origin.port() + " HTTP/1.1\r\n\r\n").readResponse().status();
        }
    }

}
