package io.acrproxy.server.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Debian's Squid as the company's proxy that acr-egress-proxy chains to: on a loopback address of its own, resolving
 * names only from a hosts file the test writes (no DNS), open or requiring Basic credentials checked by Squid's own
 * {@code basic_ncsa_auth} against a password file, and refusing the tunnels to {@code deniedDomains} with
 * {@code http_access deny} as a corporate policy would. Its access log shows what it was asked for, and by whom.
 */
public final class Squid implements AutoCloseable {
    /** How the corporate proxy is set up for a test. */
    public record Setup(Map<String, String> hosts, Map<String, String> users, List<String> deniedDomains) {
        public static Setup open(Map<String, String> hosts) {
            return new Setup(hosts, Map.of(), List.of());
        }

        public Setup withUser(String user, String password) {
            return new Setup(hosts, Map.of(user, password), deniedDomains);
        }

        public Setup denying(String... domains) {
            return new Setup(hosts, users, List.of(domains));
        }
    }

    private final LoopbackDaemon daemon;
    private final Path dir;
    private final String address;
    private final int port;

    private Squid(LoopbackDaemon daemon, Path dir, String address, int port) {
        this.daemon = daemon;
        this.dir = dir;
        this.address = address;
        this.port = port;
    }

    public static Squid start(String address, Setup setup) throws IOException, InterruptedException {
        Path squid = LoopbackDaemon.binary("squid", "squid");
        Path dir = LoopbackDaemon.sharedDirectory("squid");
        int port = LoopbackDaemon.freePort(address);
        StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n");
        setup.hosts().forEach((name, ip) -> hosts.append(ip).append(' ').append(name).append('\n'));
        LoopbackDaemon.writeShared(dir.resolve("hosts"), hosts.toString());
        List<String> auth = new ArrayList<>();
        if (!setup.users().isEmpty()) {
            StringBuilder passwd = new StringBuilder();
            for (Map.Entry<String, String> u : setup.users().entrySet()) {
                passwd.append(u.getKey()).append(':').append(apr1(u.getValue())).append('\n');
            }
            LoopbackDaemon.writeShared(dir.resolve("passwd"), passwd.toString());
            auth.add("auth_param basic program /usr/lib/squid/basic_ncsa_auth " + dir.resolve("passwd"));
            auth.add("auth_param basic realm corp");
            auth.add("acl users proxy_auth REQUIRED");
        }
        List<String> access = new ArrayList<>();
        if (!setup.deniedDomains().isEmpty()) {
            access.add("acl denied dstdomain " + String.join(" ", setup.deniedDomains()));
            access.add("http_access deny denied");
        }
        access.add("acl CONNECT method CONNECT");
        access.add("http_access allow CONNECT" + (setup.users().isEmpty() ? "" : " users"));
        access.add("http_access deny all");
        // No cache, no DNS (the hosts file answers, with a DNS server nobody runs as the fallback), no ICMP pinger;
        // every line of the access log written at once, so that a test can read it right after a request.
        String config = """
                http_port %s:%d
                pid_filename %s/squid.pid
                cache_log %s/cache.log
                access_log stdio:%s/access.log
                coredump_dir %s
                cache deny all
                cache_mem 0 MB
                hosts_file %s/hosts
                dns_nameservers 127.0.0.1
                pinger_enable off
                shutdown_lifetime 0 seconds
                buffered_logs off
                """.formatted(address, port, dir, dir, dir, dir, dir)
                + String.join("\n", auth) + (auth.isEmpty() ? "" : "\n") + String.join("\n", access) + "\n";
        Path conf = LoopbackDaemon.writeShared(dir.resolve("squid.conf"), config);
        LoopbackDaemon daemon = LoopbackDaemon.start("squid on " + address + ":" + port, dir.resolve("stdout.log"), address, port,
                squid.toString(), "-N", "-f", conf.toString());
        return new Squid(daemon, dir, address, port);
    }

    /** The Apache MD5 crypt that {@code basic_ncsa_auth} reads, from {@code openssl passwd -apr1}. */
    private static String apr1(String password) throws IOException, InterruptedException {
        Path openssl = LoopbackDaemon.binary("openssl", "openssl");
        Process p = new ProcessBuilder(openssl.toString(), "passwd", "-apr1", "-stdin").start();
        p.getOutputStream().write(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String hash = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
        if (p.waitFor() != 0 || !hash.startsWith("$apr1$")) {
            throw new IOException("openssl passwd -apr1 failed: " + hash);
        }
        return hash;
    }

    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    /** {@code http://address:port}, as a parent's {@code url}. */
    public String url() {
        return "http://" + address + ":" + port;
    }

    /** Squid's access log so far, one request per line ({@code ... TCP_TUNNEL/200 ... CONNECT host:port user ...}). */
    public List<String> accessLog() throws IOException {
        Path log = dir.resolve("access.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    /** Squid's own log and output, for a failure message. */
    public String cacheLog() throws IOException {
        Path log = dir.resolve("cache.log");
        return (Files.exists(log) ? Files.readString(log) : "") + daemon.log();
    }

    @Override
    public void close() {
        daemon.close();
    }

    @Override
    public String toString() {
        return daemon.toString();
    }
}
