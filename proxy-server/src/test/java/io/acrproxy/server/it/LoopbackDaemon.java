package io.acrproxy.server.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A third-party server the tests start on a loopback address (Squid, tinyproxy, HAProxy): its own process, its
 * output in a log file, ready once its port accepts connections, stopped with SIGTERM. {@code .ci/run} installs the
 * programs and sets {@code ACRPROXY_E2E=required}, so that in CI a missing one fails the test; elsewhere it is
 * skipped with the reason.
 */
public final class LoopbackDaemon implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private LoopbackDaemon(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** The installed program, e.g. {@code /usr/sbin/squid}; skips, or in CI fails, when it is missing. */
    public static Path binary(String name, String debianPackage) {
        for (String dir : List.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String why = name + " is not installed (Debian package " + debianPackage + "; .ci/run installs it)";
        if ("required".equals(System.getenv("ACRPROXY_E2E"))) {
            fail(why + " (ACRPROXY_E2E=required)");
        }
        assumeTrue(false, why);
        throw new AssertionError("unreachable");
    }

    /**
     * A directory for a daemon's files that any user may read and write: run as root, Squid drops to its own user
     * and must still read its helper's password file and write its logs.
     */
    public static Path sharedDirectory(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    /** Writes {@code text} to {@code file}, readable by everyone (see {@link #sharedDirectory}). */
    public static Path writeShared(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    /** A port that nothing listens on at {@code address} right now, for a daemon whose config must name one. */
    public static int freePort(String address) throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return probe.getLocalPort();
        }
    }

    /** Starts {@code command} and waits until {@code address:port} accepts a connection. */
    public static LoopbackDaemon start(String name, Path log, String address, int port, String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LoopbackDaemon daemon = new LoopbackDaemon(name, p, log);
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + p.exitValue() + ": " + daemon.log());
                }
                return accepts(address, port);
            });
        } catch (RuntimeException | Error e) {
            daemon.close();
            throw e;
        }
        return daemon;
    }

    private static boolean accepts(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(address), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** What the daemon printed so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(" + log + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
