package io.acrproxy.server.it;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Debian's HAProxy as the TCP load balancer in front of the proxy: it accepts on a loopback address and port of its
 * own and connects to the proxy from {@code source}, opening each connection with a PROXY protocol v2 header that
 * names the real client. Its health check is the one HAProxy sends with {@code check-send-proxy}: a connection with
 * a {@code LOCAL} header and nothing else, every {@code checkInterval}.
 */
public final class Haproxy implements AutoCloseable {
    private final LoopbackDaemon daemon;
    private final String address;
    private final int port;

    private Haproxy(LoopbackDaemon daemon, String address, int port) {
        this.daemon = daemon;
        this.address = address;
        this.port = port;
    }

    /**
     * @param backend {@code host:port} of the proxy
     * @param source  the address HAProxy connects to the proxy from (what {@code listen.proxyProtocol.trustedFrom}
     *                names)
     */
    public static Haproxy start(String address, String backend, String source, String checkInterval) throws IOException {
        Path haproxy = LoopbackDaemon.binary("haproxy", "haproxy");
        Path dir = LoopbackDaemon.sharedDirectory("haproxy");
        int port = LoopbackDaemon.freePort(address);
        Path conf = LoopbackDaemon.writeShared(dir.resolve("haproxy.cfg"), """
                global
                    maxconn 200
                defaults
                    mode tcp
                    timeout connect 5s
                    timeout client 60s
                    timeout server 60s
                frontend proxies
                    bind %s:%d
                    default_backend proxies
                backend proxies
                    server proxy1 %s send-proxy-v2 source %s check check-send-proxy inter %s
                """.formatted(address, port, backend, source, checkInterval));
        // -db: foreground, logs to standard error, which the daemon's log file collects.
        LoopbackDaemon daemon = LoopbackDaemon.start("haproxy on " + address + ":" + port, dir.resolve("haproxy.log"),
                address, port, haproxy.toString(), "-db", "-f", conf.toString());
        return new Haproxy(daemon, address, port);
    }

    /** {@code http://address:port}: what clients set as their proxy. */
    public String url() {
        return "http://" + address + ":" + port;
    }

    public String log() {
        return daemon.log();
    }

    @Override
    public void close() {
        daemon.close();
    }
}
