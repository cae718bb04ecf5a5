package io.acrproxy.server.soak;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One client connection to the proxy: the CONNECT exchange on a counting socket, then (after a 200) verified TLS to
 * the origin through it. Counts the wire bytes after the proxy's answer, as the proxy counts a tunnel's.
 */
final class Tunnel implements AutoCloseable {
    final CountingSocket raw = new CountingSocket();
    final String target;
    /** The client address as the access log writes it ({@code ip:port}), once connected. */
    String client = "-";
    String statusLine;
    SSLSocket tls;
    /** From the start of the TCP connect to the whole answer head. */
    long connectNanos;
    private long upAtAnswer;
    private long downAtAnswer;

    private Tunnel(String target) {
        this.target = target;
    }

    /** Connects from {@code source} (null: any) and sends {@code request}, reading the answer's head. */
    static Tunnel request(InetSocketAddress proxy, InetAddress source, String target, byte[] request, int timeoutMillis)
            throws IOException {
        Tunnel t = new Tunnel(target);
        long start = System.nanoTime();
        try {
            if (source != null) {
                t.raw.bind(new InetSocketAddress(source, 0));
            }
            t.raw.connect(proxy, timeoutMillis);
            t.client = t.raw.getLocalAddress().getHostAddress() + ":" + t.raw.getLocalPort();
            t.raw.setSoTimeout(timeoutMillis);
            t.raw.setTcpNoDelay(true);
            t.raw.getOutputStream().write(request);
            t.raw.getOutputStream().flush();
            t.statusLine = readHead(t.raw.getInputStream());
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
        t.connectNanos = System.nanoTime() - start;
        t.upAtAnswer = t.raw.written.get();
        t.downAtAnswer = t.raw.read.get();
        return t;
    }

    static Tunnel connect(InetSocketAddress proxy, InetAddress source, String host, int port, int timeoutMillis)
            throws IOException {
        String target = host + ":" + port;
        return request(proxy, source, target,
                ("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                timeoutMillis);
    }

    int status() {
        String[] parts = statusLine.split(" ", 3);
        return parts.length < 2 ? -1 : Integer.parseInt(parts[1]);
    }

    String clientAddress() {
        return client;
    }

    /** TLS with SNI and host-name verification over the established tunnel, handshaken. */
    SSLSocket startTls(SSLContext context, String host) throws IOException {
        tls = (SSLSocket) context.getSocketFactory().createSocket(raw, host, raw.getPort(), true);
        SSLParameters params = tls.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(host)));
        params.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(params);
        tls.startHandshake();
        return tls;
    }

    long wireUp() {
        return raw.written.get() - upAtAnswer;
    }

    long wireDown() {
        return raw.read.get() - downAtAnswer;
    }

    /**
     * The orderly end of a TLS tunnel: close_notify and a FIN (half-close), then the origin's close_notify and the
     * FIN the proxy relays, so that both sides' counts are final and the proxy sees the tunnel complete.
     *
     * @return application bytes that arrived after the exchange was over (0 when all is well)
     */
    long finish() throws IOException {
        if (!tls.isOutputShutdown()) {
            tls.shutdownOutput();
        }
        long extra = drain(tls.getInputStream());
        drain(raw.getInputStream());
        raw.close();
        return extra;
    }

    /** Reads to the end of the stream; how many bytes came. */
    static long drain(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        long n = 0;
        for (int r; (r = in.read(buf)) >= 0; ) {
            n += r;
        }
        return n;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.size() + " bytes of the answer");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > 16384) {
                throw new IOException("answer head over 16 KiB");
            }
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.indexOf("\r\n"));
    }

    @Override
    public void close() {
        try {
            raw.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
