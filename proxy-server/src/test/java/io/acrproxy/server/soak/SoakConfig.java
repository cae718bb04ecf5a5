package io.acrproxy.server.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The proxy's config file for the soak, rewritten in place (atomically) for each reload. The soak names are
 * allowed by {@code extraHosts}; loopback is reachable because the deny ranges leave it out, as in the other
 * tests; {@code resolver.servers} points at the soak's own name server.
 */
final class SoakConfig {
    private final Path file;
    private final int port;
    private final int adminPort;
    private final SoakHosts hosts;
    private final String dnsServer;
    private final long helloTimeoutMillis;

    SoakConfig(Path file, int port, int adminPort, SoakHosts hosts, String dnsServer, long helloTimeoutMillis) {
        this.file = file;
        this.port = port;
        this.adminPort = adminPort;
        this.hosts = hosts;
        this.dnsServer = dnsServer;
        this.helloTimeoutMillis = helloTimeoutMillis;
    }

    Path file() {
        return file;
    }

    /**
     * Writes the config.
     *
     * @param revocable whether the revocable host is allowed
     * @param edit      a number that changes the file without changing what reaches the soak's hosts: an unrelated
     *                  extra host and a comment
     */
    void write(boolean revocable, int edit) throws IOException {
        String yaml = """
                # soak config, edit %d
                listen: {address: 127.0.0.1, port: %d}
                admin: {port: %d}
                extraHosts: [%s, %s, '*.dns.soak.test', unrelated-%d.example.org%s]
                ports: [%d, %d, %d, %d]
                destinations: {denyRanges: ['169.254.0.0/16'], allowPrivate: true}
                resolver:
                  hosts: {%s: %s, %s: %s, %s: %s}
                  servers: ['%s']
                  timeout: 1s
                sni: {inspectTimeout: %dms}
                """.formatted(edit, port, adminPort, SoakHosts.DATA, SoakHosts.IDLE, edit,
                revocable ? ", " + SoakHosts.REVOCABLE : "",
                hosts.dataPort(), hosts.idlePort(), hosts.revocablePort(), hosts.dnsPort(),
                SoakHosts.DATA, SoakHosts.DATA_ADDRESS, SoakHosts.IDLE, SoakHosts.IDLE_ADDRESS,
                SoakHosts.REVOCABLE, SoakHosts.REVOCABLE_ADDRESS, dnsServer, helloTimeoutMillis);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, yaml, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
