package io.acrproxy.server.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A raw-socket client for what real clients would never send, and for reading answers byte for byte. */
final class RawProxyClient implements AutoCloseable {
    final Socket socket;

    RawProxyClient(InetSocketAddress proxy) throws IOException {
        this(proxy, null);
    }

    /** From a given loopback source address, standing for a distinct client host. */
    RawProxyClient(InetSocketAddress proxy, java.net.InetAddress from) throws IOException {
        this(proxy, from, 0);
    }

    /** With a receive buffer of {@code receiveBuffer} bytes (0: the system's), for a reader slower than its sender. */
    RawProxyClient(InetSocketAddress proxy, java.net.InetAddress from, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer); // before connect, so that the window is small from the start
        }
        if (from != null) {
            socket.bind(new InetSocketAddress(from, 0));
        }
        socket.connect(proxy, 5000);
        socket.setSoTimeout(10_000);
    }

    RawProxyClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawProxyClient send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /** Reads a response head (up to the blank line) and, when it has a Content-Length, its body. */
    Response readResponse() throws IOException {
        return readResponse(socket.getInputStream());
    }

    /** Reads a response head only: the answer to a HEAD request, whose Content-Length announces no body. */
    Response readHeadOnlyResponse() throws IOException {
        return readResponse(socket.getInputStream(), false);
    }

    /** Reads one response from any stream, e.g. an HTTP exchange inside a TLS tunnel. */
    static Response readResponse(InputStream in) throws IOException {
        return readResponse(in, true);
    }

    /** Reads one response head from any stream and leaves its body in the stream. */
    static Response readHeadOnly(InputStream in) throws IOException {
        return readResponse(in, false);
    }

    private static Response readResponse(InputStream in, boolean withBody) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.size() + " bytes: " + head);
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        String body = "";
        if (withBody && headers.containsKey("content-length")) {
            body = new String(in.readNBytes(Integer.parseInt(headers.get("content-length"))), StandardCharsets.UTF_8);
        }
        return new Response(lines[0], headers, body);
    }

    /** True when the proxy closed the connection (EOF) rather than sending more. */
    boolean closedByPeer() throws IOException {
        return socket.getInputStream().read() < 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    record Response(String statusLine, Map<String, String> headers, String body) {
        int status() {
            return Integer.parseInt(statusLine.split(" ", 3)[1]);
        }

        String reasonPhrase() {
            String[] parts = statusLine.split(" ", 3);
            return parts.length < 3 ? "" : parts[2];
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }
}
