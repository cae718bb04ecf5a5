package io.acrproxy.server.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLParameters;

/**
 * A TLS client that sends its ClientHello in the same write as the CONNECT head, before the proxy has
 * answered (as some clients do to save a round trip; design §2 stage 2 says those bytes must not be lost),
 * then completes a verified TLS handshake through the tunnel with the JDK's {@link SSLEngine}.
 */
final class PipelinedTlsClient {
    private PipelinedTlsClient() {
    }

    /** Returns the proxy's status line and the HTTP response to {@code GET path} from the origin. */
    static String[] get(InetSocketAddress proxy, String host, int port, String sni, SSLContext tls, String path) throws IOException {
        SSLEngine engine = tls.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(sni)));
        params.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(params);
        int packet = engine.getSession().getPacketBufferSize();
        ByteBuffer outNet = ByteBuffer.allocate(packet);
        ByteBuffer inNet = ByteBuffer.allocate(packet * 2);
        ByteBuffer inApp = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
        ByteBuffer empty = ByteBuffer.allocate(0);

        try (Socket socket = new Socket()) {
            socket.connect(proxy, 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();

            engine.beginHandshake();
            engine.wrap(empty, outNet);
            outNet.flip();
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            first.write(("CONNECT " + host + ":" + port + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            first.write(outNet.array(), 0, outNet.limit());
            out.write(first.toByteArray());
            out.flush();
            outNet.clear();

            String status = readHead(in);
            if (!status.startsWith("HTTP/1.1 200")) {
                return new String[] {status, ""};
            }
            HandshakeStatus hs = engine.getHandshakeStatus();
            while (hs != HandshakeStatus.FINISHED && hs != HandshakeStatus.NOT_HANDSHAKING) {
                switch (hs) {
                    case NEED_WRAP -> {
                        SSLEngineResult r = engine.wrap(empty, outNet);
                        outNet.flip();
                        out.write(outNet.array(), 0, outNet.limit());
                        outNet.clear();
                        hs = r.getHandshakeStatus();
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        inNet.flip();
                        SSLEngineResult r = engine.unwrap(inNet, inApp);
                        inNet.compact();
                        if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && !readMore(in, inNet)) {
                            throw new IOException("tunnel closed during the TLS handshake");
                        }
                        hs = r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW ? engine.getHandshakeStatus() : r.getHandshakeStatus();
                    }
                    case NEED_TASK -> {
                        Runnable task;
                        while ((task = engine.getDelegatedTask()) != null) {
                            task.run();
                        }
                        hs = engine.getHandshakeStatus();
                    }
                    default -> throw new IllegalStateException("handshake status " + hs);
                }
            }
            out.flush();
            byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            engine.wrap(ByteBuffer.wrap(request), outNet);
            outNet.flip();
            out.write(outNet.array(), 0, outNet.limit());
            out.flush();
            outNet.clear();

            ByteArrayOutputStream response = new ByteArrayOutputStream();
            while (true) {
                inNet.flip();
                SSLEngineResult r = engine.unwrap(inNet, inApp);
                inNet.compact();
                inApp.flip();
                response.write(inApp.array(), 0, inApp.limit());
                inApp.clear();
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    break;
                }
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW || r.bytesProduced() == 0 && r.bytesConsumed() == 0) {
                    if (!readMore(in, inNet)) {
                        break;
                    }
                }
            }
            return new String[] {status, response.toString(StandardCharsets.UTF_8)};
        }
    }

    private static boolean readMore(InputStream in, ByteBuffer into) throws IOException {
        int n = in.read(into.array(), into.position(), into.remaining());
        if (n < 0) {
            return false;
        }
        into.position(into.position() + n);
        return true;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (head.size() < 4 || !head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1).split("\r\n", 2)[0];
    }
}
