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

    private static int connectStatus(AppFixture f, String host) throws IOException {
        try (RawProxyClient raw = new RawProxyClient(f.proxyAddress())) {
            return raw.send("CONNECT " + host + ":" + origin.port() + " HTTP/1.1\r\n\r\n").readResponse().status();
        }
    }

}
