package io.acrproxy.server.soak;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A TLS origin on one loopback address that speaks the soak's line protocol, one thread per connection:
 * <ul>
 * <li>{@code GET n seed}: n bytes of the seed's {@link PatternStream}, then close_notify and a FIN, then waits for
 *     the client's end;
 * <li>{@code PUT n seed}: takes n bytes, checks each against the stream, answers {@code OK n} or {@code BAD offset},
 *     then waits for the client's end;
 * <li>{@code PUTH seed}: takes bytes up to the client's half-close, checks them, answers {@code OK count} or
 *     {@code BAD offset} on the still-open direction, and closes;
 * <li>{@code ECHO}: sends back what it reads until the client's end;
 * <li>{@code RST n seed}: sends n bytes, then resets the TCP connection (SO_LINGER 0), with no close_notify;
 * <li>{@code STALL n seed}: sends n bytes, then sends nothing more until the client gives up;
 * <li>{@code IDLE}: answers each {@code PING} line with {@code PONG} until the client's end.
 * </ul>
 * The TLS layer sits on a plain accepted socket so that a reset can bypass it.
 */
final class SoakOrigin implements AutoCloseable {
    private static final int STACK = 256 * 1024;

    private final ServerSocket server;
    private final SSLContext tls;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private volatile boolean closed;

    SoakOrigin(String address, SSLContext tls) throws IOException {
        this.tls = tls;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(address), 0), 4096);
        Thread acceptor = new Thread(this::acceptLoop, "soak-origin-accept-" + address);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted and not yet closed: back to 0 once every tunnel has ended. */
    int openConnections() {
        return open.size();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket raw;
            try {
                raw = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.incrementAndGet();
            open.add(raw);
            Thread t = new Thread(null, () -> serve(raw), "soak-origin", STACK);
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket raw) {
        try {
            raw.setTcpNoDelay(true);
            SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(raw, null, true);
            ssl.setUseClientMode(false);
            InputStream in = new BufferedInputStream(ssl.getInputStream(), 64 * 1024);
            OutputStream out = ssl.getOutputStream();
            String[] command = readLine(in).split(" ");
            switch (command[0]) {
                case "GET" -> {
                    send(out, Long.parseLong(command[1]), Long.parseLong(command[2]));
                    // TLS 1.3 half-close: close_notify and a FIN, then the client's end, so no side resets the other
                    ssl.shutdownOutput();
                    drain(in);
                    ssl.close();
                }
                case "PUT" -> {
                    long n = Long.parseLong(command[1]);
                    out.write((check(in, n, Long.parseLong(command[2])) + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    drain(in);
                    ssl.close();
                }
                case "PUTH" -> {
                    out.write((check(in, Long.MAX_VALUE, Long.parseLong(command[1])) + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    ssl.close();
                }
                case "ECHO" -> {
                    byte[] buf = new byte[16 * 1024];
                    for (int r; (r = in.read(buf)) >= 0; ) {
                        out.write(buf, 0, r);
                        out.flush();
                    }
                    ssl.close();
                }
                case "RST" -> {
                    send(out, Long.parseLong(command[1]), Long.parseLong(command[2]));
                    raw.setSoLinger(true, 0);
                    raw.close();
                }
                case "STALL" -> {
                    send(out, Long.parseLong(command[1]), Long.parseLong(command[2]));
                    drain(in);
                    ssl.close();
                }
                case "IDLE" -> {
                    for (String line; !(line = readLine(in)).isEmpty(); ) {
                        if (line.equals("PING")) {
                            out.write("PONG\n".getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                        }
                    }
                    ssl.close();
                }
                default -> raw.close();
            }
        } catch (IOException | RuntimeException e) {
            // A client that resets, gives up or is revoked ends here; the client side judges the outcome.
        } finally {
            try {
                raw.close();
            } catch (IOException ignored) {
                // already closed
            }
            open.remove(raw);
        }
    }

    private static void send(OutputStream out, long n, long seed) throws IOException {
        PatternStream pattern = new PatternStream(seed);
        byte[] buf = new byte[32 * 1024];
        for (long sent = 0; sent < n; ) {
            int len = (int) Math.min(buf.length, n - sent);
            pattern.fill(buf, 0, len);
            out.write(buf, 0, len);
            sent += len;
        }
        out.flush();
    }

    /** Reads up to {@code n} bytes or the end, checking them against the seed's stream. */
    private static String check(InputStream in, long n, long seed) throws IOException {
        PatternStream pattern = new PatternStream(seed);
        byte[] buf = new byte[32 * 1024];
        long got = 0;
        long bad = -1;
        while (got < n) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n - got));
            if (r < 0) {
                break;
            }
            int m = pattern.firstMismatch(buf, 0, r);
            if (m >= 0 && bad < 0) {
                bad = got + m;
            }
            got += r;
        }
        return bad >= 0 ? "BAD " + bad : "OK " + got;
    }

    private static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        while (in.read(buf) >= 0) {
            // nothing more is expected; wait for the client's end
        }
    }

    /** One line without its LF; "" at the end of the stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
