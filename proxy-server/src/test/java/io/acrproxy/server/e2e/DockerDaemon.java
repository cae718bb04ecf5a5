package io.acrproxy.server.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Docker daemon (Debian's {@code docker.io}) of the test's own: its own data root, exec root and socket,
 * the vfs storage driver, and no bridge or iptables rules, so it changes nothing on the machine. Its proxy comes
 * from its environment, exactly as a systemd drop-in's {@code Environment="HTTPS_PROXY=..."} gives it: the daemon
 * pulls, not the CLI. It trusts the look-alike's CA through {@code SSL_CERT_FILE}.
 */
final class DockerDaemon implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final Path docker;

    private DockerDaemon(Process process, Path dir, Path docker) {
        this.process = process;
        this.dir = dir;
        this.docker = docker;
    }

    static DockerDaemon start(Path caPem, String httpsProxy) throws IOException, InterruptedException {
        Path dockerd = E2eTools.binary("dockerd", "docker.io");
        Path docker = E2eTools.binary("docker", "docker.io");
        // Short: containerd's socket lives under the exec root and Unix socket paths are limited to 107 bytes.
        Path dir = Files.createTempDirectory("dk");
        Path config = dir.resolve("daemon.json");
        Files.writeString(config, "{}\n"); // not the machine's /etc/docker/daemon.json
        ProcessBuilder pb = new ProcessBuilder(dockerd.toString(), "--config-file", config.toString(),
                "--storage-driver=vfs", "--bridge=none", "--iptables=false", "--ip6tables=false",
                // One attempt per layer: a refused blob fails the pull at once instead of after Docker's back-off.
                "--max-download-attempts=1",
                "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("x").toString(),
                "--pidfile", dir.resolve("docker.pid").toString(), "--host", "unix://" + dir.resolve("docker.sock"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
        env.put("HTTPS_PROXY", httpsProxy);
        env.put("SSL_CERT_FILE", caPem.toString());
        DockerDaemon daemon = new DockerDaemon(pb.start(), dir, docker);
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!daemon.process.isAlive()) {
                    throw new IllegalStateException("dockerd exited: " + daemon.log());
                }
                return daemon.docker("version").exit() == 0;
            });
        } catch (RuntimeException | Error e) {
            daemon.close();
            throw e;
        }
        return daemon;
    }

    /** Runs the docker CLI against this daemon. */
    E2eTools.Result docker(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(docker.toString(), "--host", "unix://" + dir.resolve("docker.sock")));
        command.addAll(List.of(args));
        Map<String, String> env = new HashMap<>();
        env.put("DOCKER_CONFIG", dir.resolve("cli").toString());
        return E2eTools.run(env, 120, command);
    }

    String log() throws IOException {
        return Files.readString(dir.resolve("dockerd.log"));
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: dockerd stops its containerd and exits
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            E2eTools.run(Map.of(), 60, "rm", "-rf", dir.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // leave the directory in /tmp
        }
    }
}
