package io.acrproxy.core.observe;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What was refused lately, by target and reason (design §9.2, {@code GET /blocked}): host, port, reason,
 * count, first and last seen, last client. Bounded whatever the traffic: at most {@code capacity} entries,
 * the least recently seen one dropped first, so a flood of distinct names (100,000 random subdomains)
 * costs a fixed amount of memory and still leaves the current offenders in the table.
 *
 * <p>Only denials are recorded, so the lock is taken on the refusal path, never for an allowed tunnel.
 */
public final class BlockedTargets {
    /**
     * One row of {@code /blocked}; {@code wouldDeny} marks report-mode rows (let through, but counted), {@code group}
     * the client group whose policy refused it (design §6.7), {@code lastClientCert} the last client's verified
     * certificate identity on the TLS port, or {@code null} (design §2.4).
     */
    public record Entry(String host, int port, String group, String reason, boolean wouldDeny, long count,
                        Instant firstSeen, Instant lastSeen, String lastClient, String lastClientCert) {
    }

    private record Key(String host, int port, String group, String reason, boolean wouldDeny) {
    }

    private static final class Row {
        long count;
        final Instant firstSeen;
        Instant lastSeen;
        String lastClient;
        String lastClientCert;

        Row(Instant now) {
            firstSeen = now;
        }
    }

    private final int capacity;
    private final LinkedHashMap<Key, Row> rows;

    public BlockedTargets(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.rows = new LinkedHashMap<>(Math.min(capacity, 1024) * 2, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Row> eldest) {
                return size() > BlockedTargets.this.capacity;
            }
        };
    }

    public void record(String host, int port, String group, String reason, boolean wouldDeny, String client,
                       Instant now) {
        record(host, port, group, reason, wouldDeny, client, null, now);
    }

    /** @param clientCert the client's verified certificate identity on the TLS port, or {@code null} */
    public synchronized void record(String host, int port, String group, String reason, boolean wouldDeny, String client,
                                    String clientCert, Instant now) {
        Objects.requireNonNull(host, "host");
        Row row = rows.computeIfAbsent(new Key(host, port, group, reason, wouldDeny), k -> new Row(now));
        row.count++;
        row.lastSeen = now;
        row.lastClient = client;
        row.lastClientCert = clientCert;
    }

    public synchronized int size() {
        return rows.size();
    }

    public int capacity() {
        return capacity;
    }

    /** The {@code limit} most recently refused targets, newest first. */
    public List<Entry> mostRecent(int limit) {
        return top(limit, Comparator.comparing(Entry::lastSeen).reversed());
    }

    /** The {@code limit} most often refused targets, most first. */
    public List<Entry> mostFrequent(int limit) {
        return top(limit, Comparator.comparingLong(Entry::count).reversed().thenComparing(Entry::lastSeen, Comparator.reverseOrder()));
    }

    private List<Entry> top(int limit, Comparator<Entry> order) {
        List<Entry> all;
        synchronized (this) {
            all = new ArrayList<>(rows.size());
            rows.forEach((k, r) -> all.add(new Entry(k.host(), k.port(), k.group(), k.reason(), k.wouldDeny(), r.count,
                    r.firstSeen, r.lastSeen, r.lastClient, r.lastClientCert)));
        }
        all.sort(order);
        return all.subList(0, Math.min(limit, all.size()));
    }
}
