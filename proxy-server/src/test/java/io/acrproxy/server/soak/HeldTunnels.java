package io.acrproxy.server.soak;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * Long-lived idle tunnels to one host ({@code IDLE} on the origin), opened from several loopback source addresses so
 * that no client reaches {@code limits.maxConnectionsPerClient}. Each is proved alive with a PING before it is
 * closed in order; those a reload revokes are expected to be closed by the proxy.
 */
final class HeldTunnels {
    private record Held(long id, Tunnel tunnel) {
    }

    private final InetSocketAddress proxy;
    private final SSLContext tls;
    private final Ledger ledger;
    private final Kind kind;
    private final String host;
    private final int port;
    private final List<InetAddress> sources;
    private final List<Held> open = Collections.synchronizedList(new ArrayList<>());
    private int next;

    HeldTunnels(InetSocketAddress proxy, SSLContext tls, Ledger ledger, Kind kind, String host, int port, List<InetAddress> sources) {
        this.proxy = proxy;
        this.tls = tls;
        this.ledger = ledger;
        this.kind = kind;
        this.host = host;
        this.port = port;
        this.sources = sources;
    }

    int size() {
        return open.size();
    }

    /** Opens {@code n} more; a failure is recorded as unexpected. */
    void open(int n) {
        for (int i = 0; i < n; i++) {
            long id = ledger.ids.incrementAndGet();
            InetAddress source;
            synchronized (this) {
                source = sources.get(next++ % sources.size());
            }
            Tunnel t = null;
            try {
                ledger.connections.incrementAndGet();
                t = Tunnel.connect(proxy, source, host, port, 30_000);
                if (t.status() != 200) {
                    ledger.record(id, kind, Outcome.UNEXPECTED, "CONNECT answered " + t.statusLine, t);
                    t.close();
                    continue;
                }
                ledger.established.incrementAndGet();
                ledger.connectLatency(t.connectNanos);
                t.startTls(tls, host);
                t.tls.getOutputStream().write("IDLE\n".getBytes(StandardCharsets.US_ASCII));
                t.tls.getOutputStream().flush();
                open.add(new Held(id, t));
            } catch (IOException | RuntimeException e) {
                ledger.record(id, kind, Outcome.UNEXPECTED, "opening: " + Workloads.describe(e), t);
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    /**
     * Closes the {@code n} oldest, each after a PING that proves it still works. Oldest first, so that no tunnel is
     * held idle up to the proxy's idle timeout ({@code timeouts.idle}, 10 minutes), which would rightly close it: a
     * 30-minute run that picked at random lost 53 of its 39,500 idle tunnels that way.
     */
    void recycle(int n) {
        List<Held> picked = new ArrayList<>();
        synchronized (open) {
            for (int i = 0; i < n && !open.isEmpty(); i++) {
                picked.add(open.remove(0));
            }
        }
        picked.forEach(this::closeInOrder);
    }

    void closeAll() {
        recycle(Integer.MAX_VALUE);
    }

    /** PINGs every open one; one that does not answer has been ended by something and is recorded as unexpected. */
    void checkAlive(String when) {
        List<Held> all;
        synchronized (open) {
            all = new ArrayList<>(open);
        }
        for (Held h : all) {
            try {
                ping(h.tunnel());
            } catch (IOException e) {
                if (open.remove(h)) {
                    ledger.record(h.id(), kind, Outcome.UNEXPECTED, "dead " + when + ": " + Workloads.describe(e), h.tunnel());
                    h.tunnel().close();
                }
            }
        }
    }

    /**
     * After a reload that removed this host: every one must be closed by the proxy within 10 s (the client reads its
     * end). Each is recorded as revoked, or as unexpected when it stays open.
     */
    void expectAllRevoked() {
        List<Held> all;
        synchronized (open) {
            all = new ArrayList<>(open);
            open.clear();
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (Held h : all) {
            Tunnel t = h.tunnel();
            try {
                t.raw.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                Tunnel.drain(t.tls.getInputStream());
                ledger.record(h.id(), kind, Outcome.REVOKED, "closed by the reload", t);
            } catch (SocketTimeoutException e) {
                ledger.record(h.id(), kind, Outcome.UNEXPECTED, "not revoked within 10 s of the reload", t);
            } catch (IOException e) {
                ledger.record(h.id(), kind, Outcome.REVOKED, "closed by the reload (" + e.getClass().getSimpleName() + ")", t);
            } finally {
                t.close();
            }
        }
    }

    private void closeInOrder(Held h) {
        Tunnel t = h.tunnel();
        try {
            ping(t);
            long extra = t.finish();
            ledger.record(h.id(), kind, extra == 0 ? Outcome.OK : Outcome.CORRUPTED,
                    extra == 0 ? "" : extra + " bytes after the end", t);
        } catch (IOException | RuntimeException e) {
            ledger.record(h.id(), kind, Outcome.UNEXPECTED, "at its end: " + Workloads.describe(e), t);
        } finally {
            t.close();
        }
    }

    private static void ping(Tunnel t) throws IOException {
        t.raw.setSoTimeout(10_000);
        t.tls.getOutputStream().write("PING\n".getBytes(StandardCharsets.US_ASCII));
        t.tls.getOutputStream().flush();
        InputStream in = t.tls.getInputStream();
        String answer = SoakOrigin.readLine(in);
        if (!answer.equals("PONG")) {
            throw new IOException("PING answered \"" + answer + "\"");
        }
    }
}
