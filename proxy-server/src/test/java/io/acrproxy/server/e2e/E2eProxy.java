package io.acrproxy.server.e2e;

import io.acrproxy.core.auth.PasswordHash;
import io.acrproxy.server.it.JarProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The proxy as users run it (the jar, its own process), allowing {@code myreg} with its westeurope data endpoint
 * and {@code legacyreg}, with no storage account ({@code blobStorage.mode: none}), and optionally requiring a user.
 * Loopback is the look-alike's internet, so the destination filter only keeps its link-local default.
 */
final class E2eProxy implements AutoCloseable {
    static final String USER = "edge";
    /** Has every character the README's percent-encoding rules are about. */
    static final String PASSWORD = "p@ss:w rd%/#?";

    final JarProcess process;
    final int port;
    final int adminPort;

    private E2eProxy(JarProcess process, int port, int adminPort) {
        this.process = process;
        this.port = port;
        this.adminPort = adminPort;
    }

    static E2eProxy start(AcrLookalike acr, Path dir, boolean withAuth) throws IOException {
        String auth = withAuth
                ? "auth: {users: [{name: " + USER + ", passwordHash: '" + new PasswordHash().hash(PASSWORD.toCharArray()) + "'}]}\n"
                : "";
        // The proxy without auth splices each tunnel direction from its second read on (epoll), so that the real
        // clients' TLS sessions and blob downloads run through the splice(2) relay; the one with auth keeps the
        // default (1 MiB, more than these pulls move), so the copying relay meets real clients too.
        String relay = withAuth ? "" : "relay: {spliceAfterBytes: 1}\n";
        return start(acr, dir, withAuth ? "proxy-auth" : "proxy", auth + relay, Map.of());
    }

    /**
     * The same proxy with {@code extraYaml} (such as {@code parents}) in its config, {@code dir/name.yaml}, and
     * {@code environment} added to its own.
     */
    static E2eProxy start(AcrLookalike acr, Path dir, String name, String extraYaml, Map<String, String> environment)
            throws IOException {
        return startWithPolicy(acr, dir, name, """
                registries:
                  - {name: myreg, dataEndpointRegions: [westeurope]}
                  - {name: legacyreg}
                blobStorage: {mode: none}
                """ + extraYaml, environment);
    }

    /**
     * The jar on loopback with the look-alike's names in {@code resolver.hosts} and {@code policyYaml} for everything
     * else (the allowlist, auth, groups...).
     */
    static E2eProxy startWithPolicy(AcrLookalike acr, Path dir, String name, String policyYaml,
            Map<String, String> environment) throws IOException {
        int port = JarProcess.freePort();
        int adminPort = JarProcess.freePort();
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, """
                listen: {address: 127.0.0.1, port: %d}
                admin: {port: %d}
                destinations: {denyRanges: ['169.254.0.0/16']}
                resolver: {hosts: %s}
                """.formatted(port, adminPort, acr.resolverHostsYaml()) + policyYaml);
        return new E2eProxy(JarProcess.run(config, environment), port, adminPort);
    }

    /** {@code http://127.0.0.1:port}, or with the user's credentials percent-encoded as the README says. */
    String url() {
        return "http://127.0.0.1:" + port;
    }

    String url(String user, String password) {
        return "http://" + encode(user) + ":" + encode(password) + "@127.0.0.1:" + port;
    }

    /** RFC 3986 userinfo: everything but unreserved characters percent-encoded. */
    static String encode(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (Character.isLetterOrDigit(c) && c < 128 || "-._~".indexOf(c) >= 0) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    /** Access-log lines (JSON, one per connection) mentioning {@code text}. */
    List<String> accessLines(String text) {
        return process.stdout.stream().filter(l -> l.startsWith("{") && l.contains(text)).toList();
    }

    String metrics() throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() {
        process.close();
    }
}
