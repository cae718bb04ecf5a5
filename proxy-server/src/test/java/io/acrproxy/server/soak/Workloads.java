package io.acrproxy.server.soak;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;

/**
 * The client side of each workload kind: runs one connection of that kind through the proxy, checks every byte
 * and the way it ended, and records the outcome in the ledger.
 */
final class Workloads {
    private static final int TIMEOUT_MILLIS = 30_000;
    private static final int KIB = 1024;
    private static final int MIB = 1024 * 1024;

    private final InetSocketAddress proxy;
    private final SSLContext tls;
    private final SoakHosts hosts;
    private final Ledger ledger;
    private final long helloTimeoutMillis;
    private final byte[] clientHello;

    Workloads(InetSocketAddress proxy, SSLContext tls, SoakHosts hosts, Ledger ledger, long helloTimeoutMillis) throws IOException {
        this.proxy = proxy;
        this.tls = tls;
        this.hosts = hosts;
        this.ledger = ledger;
        this.helloTimeoutMillis = helloTimeoutMillis;
        this.clientHello = clientHello(tls, SoakHosts.DATA);
    }

    /** A verdict of one connection. */
    private record Verdict(Outcome outcome, String how) {
        static Verdict ok() {
            return new Verdict(Outcome.OK, "");
        }
    }

    /** Runs one connection of {@code kind} and records it; never throws. */
    void run(Kind kind) {
        long id = ledger.ids.incrementAndGet();
        Tunnel[] holder = new Tunnel[1];
        Verdict v;
        try {
            v = switch (kind) {
                case DOWNLOAD -> download(holder, SoakHosts.DATA, hosts.dataPort(), logUniform(KIB, 64 * MIB), 0);
                case SLOW_READER -> download(holder, SoakHosts.DATA, hosts.dataPort(), logUniform(256 * KIB, 2 * MIB), 2 * MIB);
                case DNS_RESOLVED -> download(holder, SoakHosts.DNS_OK, hosts.dnsPort(), logUniform(KIB, MIB), 0);
                case UPLOAD -> upload(holder, logUniform(KIB, 64 * MIB), false);
                case HALF_CLOSE_UPLOAD -> upload(holder, logUniform(KIB, 16 * MIB), true);
                case ECHO -> echo(holder);
                case CLIENT_RESET -> clientReset(holder);
                case UPSTREAM_RESET -> upstreamReset(holder);
                case UPSTREAM_STALL -> upstreamStall(holder);
                case HELLO_STALL -> helloStall(holder, true);
                case NO_HELLO -> helloStall(holder, false);
                case GARBAGE_CONNECT -> garbage(holder);
                case DENIED_CONNECT -> denied(holder);
                case DNS_NXDOMAIN -> refused(holder, "nx" + id + ".dns.soak.test:" + hosts.dataPort(), "HTTP/1.1 502 Bad gateway:");
                case DNS_TIMEOUT -> refused(holder, "silent" + id + ".dns.soak.test:" + hosts.dataPort(), "HTTP/1.1 504 Gateway timeout:");
                case IDLE, REVOCABLE -> throw new IllegalArgumentException(kind + " is run by its own pool");
            };
        } catch (Exception e) {
            v = new Verdict(Outcome.UNEXPECTED, describe(e));
        } finally {
            if (holder[0] != null) {
                holder[0].close();
            }
        }
        ledger.record(id, kind, v.outcome(), v.how(), holder[0]);
    }

    /** CONNECT and TLS to {@code host}; null (with the verdict in {@code failed}) when the proxy did not answer 200. */
    private Tunnel open(Tunnel[] holder, String host, int port) throws IOException {
        ledger.connections.incrementAndGet();
        Tunnel t = Tunnel.connect(proxy, null, host, port, TIMEOUT_MILLIS);
        holder[0] = t;
        if (t.status() == 200) {
            ledger.established.incrementAndGet();
            ledger.connectLatency(t.connectNanos);
        }
        return t;
    }

    private Verdict download(Tunnel[] holder, String host, int port, long size, long bytesPerSecond) throws IOException {
        Tunnel t = open(holder, host, port);
        if (t.status() != 200) {
            return new Verdict(Outcome.UNEXPECTED, "CONNECT answered " + t.statusLine);
        }
        SSLSocket s = t.startTls(tls, host);
        long seed = seed();
        command(s, "GET " + size + " " + seed);
        Received r = receive(s.getInputStream(), seed, size, bytesPerSecond);
        if (r.mismatchAt >= 0) {
            return new Verdict(Outcome.CORRUPTED, "byte " + r.mismatchAt + " of " + size + " differs");
        }
        if (r.count != size) {
            return new Verdict(Outcome.CORRUPTED, "ended cleanly after " + r.count + " of " + size + " bytes");
        }
        ledger.verifiedBytes.add(size);
        long extra = t.finish();
        return extra == 0 ? Verdict.ok() : new Verdict(Outcome.CORRUPTED, extra + " bytes after the end");
    }

    private Verdict upload(Tunnel[] holder, long size, boolean halfClose) throws IOException {
        Tunnel t = open(holder, SoakHosts.DATA, hosts.dataPort());
        if (t.status() != 200) {
            return new Verdict(Outcome.UNEXPECTED, "CONNECT answered " + t.statusLine);
        }
        SSLSocket s = t.startTls(tls, SoakHosts.DATA);
        long seed = seed();
        command(s, halfClose ? "PUTH " + seed : "PUT " + size + " " + seed);
        OutputStream out = s.getOutputStream();
        PatternStream pattern = new PatternStream(seed);
        byte[] buf = new byte[32 * KIB];
        for (long sent = 0; sent < size; ) {
            int len = (int) Math.min(buf.length, size - sent);
            pattern.fill(buf, 0, len);
            out.write(buf, 0, len);
            sent += len;
        }
        out.flush();
        if (halfClose) {
            s.shutdownOutput(); // close_notify and a FIN: the origin answers on the direction still open
        }
        String answer = SoakOrigin.readLine(s.getInputStream());
        if (!answer.equals("OK " + size)) {
            return new Verdict(answer.startsWith("BAD") || answer.startsWith("OK") ? Outcome.CORRUPTED : Outcome.UNEXPECTED,
                    "the origin answered \"" + answer + "\" to an upload of " + size + " bytes");
        }
        ledger.verifiedBytes.add(size);
        long extra = t.finish();
        return extra == 0 ? Verdict.ok() : new Verdict(Outcome.CORRUPTED, extra + " bytes after the end");
    }

    private Verdict echo(Tunnel[] holder) throws IOException {
        Tunnel t = open(holder, SoakHosts.DATA, hosts.dataPort());
        if (t.status() != 200) {
            return new Verdict(Outcome.UNEXPECTED, "CONNECT answered " + t.statusLine);
        }
        SSLSocket s = t.startTls(tls, SoakHosts.DATA);
        command(s, "ECHO");
        long seed = seed();
        PatternStream sent = new PatternStream(seed);
        PatternStream expected = new PatternStream(seed);
        byte[] out = new byte[32 * KIB];
        byte[] in = new byte[32 * KIB];
        int rounds = ThreadLocalRandom.current().nextInt(5, 60);
        long total = 0;
        for (int i = 0; i < rounds; i++) {
            int len = ThreadLocalRandom.current().nextInt(1, out.length + 1);
            sent.fill(out, 0, len);
            s.getOutputStream().write(out, 0, len);
            s.getOutputStream().flush();
            int got = 0;
            while (got < len) {
                int r = s.getInputStream().read(in, got, len - got);
                if (r < 0) {
                    return new Verdict(Outcome.CORRUPTED, "echo ended cleanly after " + (total + got) + " bytes, in round " + i);
                }
                got += r;
            }
            int m = expected.firstMismatch(in, 0, len);
            if (m >= 0) {
                return new Verdict(Outcome.CORRUPTED, "echoed byte " + (total + m) + " differs");
            }
            total += len;
        }
        ledger.verifiedBytes.add(2 * total);
        long extra = t.finish();
        return extra == 0 ? Verdict.ok() : new Verdict(Outcome.CORRUPTED, extra + " bytes after the end");
    }

    /** Downloads part of a large body, then resets the connection (SO_LINGER 0) as a killed client would. */
    private Verdict clientReset(Tunnel[] holder) throws IOException {
        Tunnel t = open(holder, SoakHosts.DATA, hosts.dataPort());
        if (t.status() != 200) {
            return new Verdict(Outcome.UNEXPECTED, "CONNECT answered " + t.statusLine);
        }
        SSLSocket s = t.startTls(tls, SoakHosts.DATA);
        long size = logUniform(4 * MIB, 32 * MIB);
        long seed = seed();
        command(s, "GET " + size + " " + seed);
        long stopAt = ThreadLocalRandom.current().nextLong(1, size / 2);
        Received r = receive(s.getInputStream(), seed, stopAt, 0);
        if (r.mismatchAt >= 0) {
            return new Verdict(Outcome.CORRUPTED, "byte " + r.mismatchAt + " differs before the reset");
        }
        t.raw.setSoLinger(true, 0);
        t.raw.close();
        return new Verdict(Outcome.EXPECTED_FAILURE, "client reset mid-transfer");
    }

    /** The origin sends part of a body and resets: the client must see a reset, never a clean end. */
    private Verdict upstreamReset(Tunnel[] holder) throws IOException {
        Tunnel t = open(holder, SoakHosts.DATA, hosts.dataPort());
        if (t.status() != 200) {
            return new Verdict(Outcome.UNEXPECTED, "CONNECT answered " + t.statusLine);
        }
        SSLSocket s = t.startTls(tls, SoakHosts.DATA);
        long size = logUniform(64 * KIB, 8 * MIB);
        long seed = seed();
        command(s, "RST " + size + " " + seed);
        Received r;
        try {
            r = receive(s.getInputStream(), seed, Long.MAX_VALUE, 0);
        } catch (IOException e) {
            if (mentions(e, "reset")) {
                return new Verdict(Outcome.EXPECTED_FAILURE, "connection reset");
            }
            return new Verdict(Outcome.UNEXPECTED, "an upstream reset reached the client as " + describe(e));
        }
        return new Verdict(Outcome.CORRUPTED, "an upstream reset ended cleanly after " + r.count + " of " + size + " bytes");
    }

    /** The origin sends part of a body and stalls; the client gives up after 2 s without progress. */
    private Verdict upstreamStall(Tunnel[] holder) throws IOException {
        Tunnel t = open(holder, SoakHosts.DATA, hosts.dataPort());
        if (t.status() != 200) {
            return new Verdict(Outcome.UNEXPECTED, "CONNECT answered " + t.statusLine);
        }
        SSLSocket s = t.startTls(tls, SoakHosts.DATA);
        long size = logUniform(KIB, 4 * MIB);
        long seed = seed();
        command(s, "STALL " + size + " " + seed);
        t.raw.setSoTimeout(2000);
        PatternStream pattern = new PatternStream(seed);
        byte[] buf = new byte[32 * KIB];
        long got = 0;
        try {
            for (int n; (n = s.getInputStream().read(buf)) >= 0; ) {
                int m = pattern.firstMismatch(buf, 0, n);
                if (m >= 0) {
                    return new Verdict(Outcome.CORRUPTED, "byte " + (got + m) + " differs before the stall");
                }
                got += n;
            }
        } catch (SocketTimeoutException e) {
            return got == size ? new Verdict(Outcome.EXPECTED_FAILURE, "stalled after every byte sent, client gave up")
                    : new Verdict(Outcome.UNEXPECTED, "stalled after " + got + " of the " + size + " bytes sent");
        }
        return new Verdict(Outcome.CORRUPTED, "a stalled origin's tunnel ended cleanly after " + got + " bytes");
    }

    /**
     * After the 200 the client sends part of a ClientHello (or nothing) and stops: the proxy must end the connection
     * at {@code sni.inspectTimeout} with a TLS alert (or, under 3 bytes sent, just a close).
     */
    private Verdict helloStall(Tunnel[] holder, boolean partial) throws IOException {
        Tunnel t = open(holder, SoakHosts.DATA, hosts.dataPort());
        if (t.status() != 200) {
            return new Verdict(Outcome.UNEXPECTED, "CONNECT answered " + t.statusLine);
        }
        int sent = partial ? ThreadLocalRandom.current().nextInt(3, clientHello.length) : 0;
        t.raw.getOutputStream().write(clientHello, 0, sent);
        t.raw.getOutputStream().flush();
        long start = System.nanoTime();
        t.raw.setSoTimeout((int) helloTimeoutMillis + 10_000);
        byte[] answer;
        try {
            answer = t.raw.getInputStream().readAllBytes();
        } catch (SocketTimeoutException e) {
            return new Verdict(Outcome.UNEXPECTED, "not closed within the ClientHello timeout + 10 s");
        } catch (IOException e) {
            return new Verdict(Outcome.UNEXPECTED, "ended by " + describe(e) + " instead of a close");
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (millis < helloTimeoutMillis - 500) {
            return new Verdict(Outcome.UNEXPECTED, "closed after " + millis + " ms, before the ClientHello timeout");
        }
        boolean alert = answer.length == 7 && answer[0] == 21 && answer[5] == 2 && answer[6] == 49;
        if (partial && !alert) {
            return new Verdict(Outcome.UNEXPECTED, "answered " + answer.length + " bytes, not one access_denied alert");
        }
        if (!partial && answer.length != 0) {
            return new Verdict(Outcome.UNEXPECTED, "answered " + answer.length + " bytes to a client that sent none");
        }
        return new Verdict(Outcome.EXPECTED_FAILURE, partial ? "alert after a partial ClientHello" : "closed, no ClientHello");
    }

    private Verdict garbage(Tunnel[] holder) throws IOException {
        String[] requests = {
                "CONNECT " + SoakHosts.DATA + " HTTP/1.1\r\n\r\n", // no port
                "CONNECT " + SoakHosts.DATA + ":" + hosts.dataPort() + " HTTP/1.1\r\nbad header line\r\n\r\n",
                "CONNECT " + SoakHosts.DATA + ":99999 HTTP/1.1\r\n\r\n",
                "CONNECT " + SoakHosts.DATA + ":" + hosts.dataPort() + " HTTP/1.1\r\nHost: a\rb\r\n\r\n", // a bare CR
                "CONNECT " + SoakHosts.DATA + ":" + hosts.dataPort() + " HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", // obs-fold
                "CONNECT data..soak.test:" + hosts.dataPort() + " HTTP/1.1\r\n\r\n",
        };
        String request = requests[ThreadLocalRandom.current().nextInt(requests.length)];
        return expectAnswer(holder, request, "HTTP/1.1 400 Bad Request:");
    }

    private Verdict denied(Tunnel[] holder) throws IOException {
        if (ThreadLocalRandom.current().nextBoolean()) {
            return refused(holder, "evil" + ThreadLocalRandom.current().nextInt(1000) + ".example.org:" + hosts.dataPort(),
                    "HTTP/1.1 403 Forbidden by egress policy:");
        }
        return refused(holder, SoakHosts.DATA + ":1", "HTTP/1.1 403 Forbidden by egress policy:");
    }

    private Verdict refused(Tunnel[] holder, String target, String expectedStart) throws IOException {
        return expectAnswer(holder, "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n", expectedStart);
    }

    private Verdict expectAnswer(Tunnel[] holder, String request, String expectedStart) throws IOException {
        ledger.connections.incrementAndGet();
        Tunnel t = Tunnel.request(proxy, null, "-", request.getBytes(StandardCharsets.ISO_8859_1), TIMEOUT_MILLIS);
        holder[0] = t;
        if (!t.statusLine.startsWith(expectedStart)) {
            return new Verdict(Outcome.UNEXPECTED, "answered \"" + t.statusLine + "\", expected \"" + expectedStart + " ...\"");
        }
        return new Verdict(Outcome.EXPECTED_FAILURE, expectedStart.substring("HTTP/1.1 ".length()));
    }

    // --- helpers

    private static long seed() {
        return ThreadLocalRandom.current().nextLong();
    }

    private static void command(SSLSocket s, String line) throws IOException {
        s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    private record Received(long count, long mismatchAt) {
    }

    /** Reads up to {@code limit} bytes or the end, checking them; paced to {@code bytesPerSecond} when above 0. */
    private static Received receive(InputStream in, long seed, long limit, long bytesPerSecond) throws IOException {
        PatternStream pattern = new PatternStream(seed);
        byte[] buf = new byte[bytesPerSecond > 0 ? 8 * KIB : 64 * KIB];
        long got = 0;
        long mismatch = -1;
        long start = System.nanoTime();
        while (got < limit) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, limit - got));
            if (n < 0) {
                break;
            }
            int m = pattern.firstMismatch(buf, 0, n);
            if (m >= 0 && mismatch < 0) {
                mismatch = got + m;
            }
            got += n;
            if (bytesPerSecond > 0) {
                // pacing, not waiting: a slow reader takes its bytes no faster than this
                long due = start + got * 1_000_000_000L / bytesPerSecond;
                long ahead = due - System.nanoTime();
                if (ahead > 0) {
                    LockSupport.parkNanos(ahead);
                }
            }
        }
        return new Received(got, mismatch);
    }

    /** Sizes spread evenly over the powers of two between the bounds. */
    static long logUniform(long min, long max) {
        double x = Math.log(min) + ThreadLocalRandom.current().nextDouble() * (Math.log(max) - Math.log(min));
        return Math.max(min, Math.min(max, Math.round(Math.exp(x))));
    }

    static boolean mentions(Throwable e, String word) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (String.valueOf(c.getMessage()).toLowerCase(java.util.Locale.ROOT).contains(word)) {
                return true;
            }
        }
        return false;
    }

    static String describe(Throwable e) {
        StringBuilder b = new StringBuilder(e.getClass().getSimpleName() + ": " + e.getMessage());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            b.append(" <- ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return b.toString();
    }

    /** The first flight of a real TLS client for {@code host}: a whole ClientHello record, to send part of. */
    private static byte[] clientHello(SSLContext context, String host) throws IOException {
        SSLEngine engine = context.createSSLEngine(host, 443);
        engine.setUseClientMode(true);
        javax.net.ssl.SSLParameters p = engine.getSSLParameters();
        p.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName(host)));
        engine.setSSLParameters(p);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        try {
            engine.wrap(ByteBuffer.allocate(0), out);
        } catch (javax.net.ssl.SSLException e) {
            throw new IOException(e);
        }
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }
}
