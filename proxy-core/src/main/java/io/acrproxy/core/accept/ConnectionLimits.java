package io.acrproxy.core.accept;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code limits.maxConnections} and {@code limits.maxConnectionsPerClient} (design §2 stage 1, §5): a slot is
 * taken when a connection is admitted and given back when it closes, whatever the reason it closes. A
 * refused connection never holds a slot.
 */
public final class ConnectionLimits {
    /** The outcome of {@link #admit}. */
    public enum Admission {
        ADMITTED(0),
        /** The whole proxy is full: 503, so a client library retries later or elsewhere. */
        PROXY_FULL(503),
        /** This client holds its share: 429 (RFC 6585 §4), the others are unaffected. */
        CLIENT_FULL(429);

        private final int status;

        Admission(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final int max;
    private final int maxPerClient;
    private final MemoryGuard memory;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();

    public ConnectionLimits(int max, int maxPerClient) {
        this(max, maxPerClient, MemoryGuard.NEVER);
    }

    /** @param memory {@code limits.maxMemoryPercent}, checked before a slot is taken */
    public ConnectionLimits(int max, int maxPerClient, MemoryGuard memory) {
        this.max = max;
        this.maxPerClient = maxPerClient;
        this.memory = memory;
    }

    public MemoryGuard memory() {
        return memory;
    }

    /** Takes a slot for {@code client}, or says which limit refuses it (taking nothing). */
    public Admission admit(InetAddress client) {
        if (total.incrementAndGet() > max) {
            total.decrementAndGet();
            return Admission.PROXY_FULL;
        }
        AtomicInteger mine = perClient.computeIfAbsent(client, c -> new AtomicInteger());
        if (mine.incrementAndGet() > maxPerClient) {
            release(client);
            return Admission.CLIENT_FULL;
        }
        return Admission.ADMITTED;
    }

    /** Gives back a slot taken by {@link #admit}. */
    public void release(InetAddress client) {
        total.decrementAndGet();
        // compute() makes the decrement and the removal of an idle entry one step, so the map stays bounded
        // by the clients that are connected.
        perClient.computeIfPresent(client, (c, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    public int total() {
        return total.get();
    }

    public int of(InetAddress client) {
        AtomicInteger n = perClient.get(client);
        return n == null ? 0 : n.get();
    }
}
