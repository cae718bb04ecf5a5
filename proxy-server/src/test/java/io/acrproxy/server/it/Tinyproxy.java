package io.acrproxy.server.it;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Debian's tinyproxy as a second corporate proxy, on a loopback address of its own. It forwards every request to
 * {@code upstream} (its {@code Upstream http} directive), so that it never resolves a name itself: the tests have no
 * DNS, and tinyproxy, unlike Squid, has no hosts file of its own.
 */
public final class Tinyproxy implements AutoCloseable {
    private final LoopbackDaemon daemon;
    private final String address;
    private final int port;

    private Tinyproxy(LoopbackDaemon daemon, String address, int port) {
        this.daemon = daemon;
        this.address = address;
        this.port = port;
    }

    /** @param upstream {@code host:port} of the proxy behind it */
    public static Tinyproxy start(String address, String upstream) throws IOException {
        Path tinyproxy = LoopbackDaemon.binary("tinyproxy", "tinyproxy");
        Path dir = LoopbackDaemon.sharedDirectory("tinyproxy");
        int port = LoopbackDaemon.freePort(address);
        Path conf = LoopbackDaemon.writeShared(dir.resolve("tinyproxy.conf"), """
                Listen %s
                Port %d
                Timeout 60
                MaxClients 100
                Upstream http %s
                LogLevel Connect
                """.formatted(address, port, upstream));
        // -d: stay in the foreground and log to standard error, which the daemon's log file collects.
        LoopbackDaemon daemon = LoopbackDaemon.start("tinyproxy on " + address + ":" + port, dir.resolve("tinyproxy.log"),
                address, port, tinyproxy.toString(), "-d", "-c", conf.toString());
        return new Tinyproxy(daemon, address, port);
    }

    public String url() {
        return "http://" + address + ":" + port;
    }

    /** What tinyproxy logged so far ({@code Request ... CONNECT host:port}). */
    public String log() {
        return daemon.log();
    }

    @Override
    public void close() {
        daemon.close();
    }
}
