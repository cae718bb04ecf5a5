package io.acrproxy.server.it;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process HTTPS origin standing for a registry: the JDK's {@code HttpsServer} on a distinct loopback
 * address and an ephemeral port, answering {@code GET /v2/} like a registry's API root, and serving and taking
 * bulk bodies ({@code /blobs/<n>}, {@code /uploads}).
 */
public final class TlsOrigin implements AutoCloseable {
    private final HttpsServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final java.util.concurrent.ExecutorService executor;

    public TlsOrigin(String loopbackAddress) throws Exception {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(loopbackAddress), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(TestTls.get().serverContext()));
        // Without an executor the JDK server reads each request on its one dispatcher thread, so a client that
        // holds a connection open would stall every other connection's TLS handshake.
        executor = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "tls-origin");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] body = ("{\"origin\":\"" + exchange.getRequestHeaders().getFirst("Host") + "\",\"path\":\""
                    + exchange.getRequestURI().getPath() + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Docker-Distribution-Api-Version", "registry/2.0");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        // GET /blobs/<n>: n bytes of a fixed pseudo-random stream (blob(n) in the test has the same); POST /uploads:
        // answers the SHA-256 of the body it received, in hex. For bulk transfers through the relay, both ways.
        server.createContext("/blobs/", exchange -> {
            requests.incrementAndGet();
            int size = Integer.parseInt(exchange.getRequestURI().getPath().substring("/blobs/".length()));
            exchange.sendResponseHeaders(200, size);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(blob(size));
            }
        });
        server.createContext("/uploads", exchange -> {
            requests.incrementAndGet();
            byte[] digest;
            try (var in = exchange.getRequestBody()) {
                digest = sha256(in.readAllBytes());
            }
            byte[] body = java.util.HexFormat.of().formatHex(digest).getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    /** {@code size} bytes of a pseudo-random stream that is the same for every call with that size. */
    public static byte[] blob(int size) {
        byte[] bytes = new byte[size];
        new java.util.Random(size).nextBytes(bytes);
        return bytes;
    }

    public static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** HTTP requests the origin has answered: a refused tunnel must leave this unchanged. */
    public int requests() {
        return requests.get();
    }

    @Override
    public void close() throws IOException {
        server.stop(0);
        executor.shutdownNow();
    }
}
