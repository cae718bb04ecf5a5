package io.acrproxy.server.soak;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What the clients saw: every connection's kind and outcome, their bytes, and the CONNECT latencies. */
final class Ledger {
    /** A connection as the client saw it, with its wire counts after the answer, to match with its access-log line. */
    record Connection(long id, Kind kind, Outcome outcome, String client, boolean established, boolean tls, long up, long down) {
    }

    private final Map<Kind, Map<Outcome, LongAdder>> counts = new EnumMap<>(Kind.class);
    private final Map<String, LongAdder> endings = new ConcurrentHashMap<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong failureCount = new AtomicLong();
    private final List<Long> connectNanos = Collections.synchronizedList(new ArrayList<>());
    final ConcurrentLinkedQueue<Connection> ended = new ConcurrentLinkedQueue<>();
    final AtomicLong ids = new AtomicLong();
    /** TCP connections made to the proxy's port: each must leave one access-log line. */
    final AtomicLong connections = new AtomicLong();
    /** Connections answered 200: the proxy's allowed decisions. */
    final AtomicLong established = new AtomicLong();
    final LongAdder wireUp = new LongAdder();
    final LongAdder wireDown = new LongAdder();
    final LongAdder verifiedBytes = new LongAdder();

    Ledger() {
        for (Kind k : Kind.values()) {
            Map<Outcome, LongAdder> m = new EnumMap<>(Outcome.class);
            for (Outcome o : Outcome.values()) {
                m.put(o, new LongAdder());
            }
            counts.put(k, m);
        }
    }

    /**
     * One connection's end. {@code how} says how an expected failure or an unexpected one ended, for the report;
     * {@code tunnel} (may be null) gives its wire bytes.
     */
    void record(long id, Kind kind, Outcome outcome, String how, Tunnel tunnel) {
        counts.get(kind).get(outcome).increment();
        if (outcome != Outcome.OK) {
            endings.computeIfAbsent(kind + " " + outcome + ": " + how, k -> new LongAdder()).increment();
        }
        if (outcome == Outcome.CORRUPTED || outcome == Outcome.UNEXPECTED) {
            failureCount.incrementAndGet();
            if (failures.size() < 50) {
                failures.add("tunnel #" + id + " " + kind + " " + outcome + " (" + (tunnel == null ? "-" : tunnel.clientAddress())
                        + "): " + how);
            }
        }
        if (tunnel != null && tunnel.statusLine != null) {
            boolean established = tunnel.status() == 200;
            if (established) {
                wireUp.add(tunnel.wireUp());
                wireDown.add(tunnel.wireDown());
            }
            ended.add(new Connection(id, kind, outcome, tunnel.clientAddress(), established, tunnel.tls != null,
                    tunnel.wireUp(), tunnel.wireDown()));
        }
    }

    void connectLatency(long nanos) {
        connectNanos.add(nanos);
    }

    long count(Kind kind, Outcome outcome) {
        return counts.get(kind).get(outcome).sum();
    }

    long count(Outcome outcome) {
        long n = 0;
        for (Kind k : Kind.values()) {
            n += count(k, outcome);
        }
        return n;
    }

    long failures() {
        return failureCount.get();
    }

    List<String> failureExamples() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    Map<String, Long> endings() {
        Map<String, Long> out = new TreeMap<>();
        endings.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** The CONNECT latency percentile in milliseconds, or NaN before any. */
    double connectMillis(double percentile) {
        List<Long> copy;
        synchronized (connectNanos) {
            copy = new ArrayList<>(connectNanos);
        }
        if (copy.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(copy);
        int index = (int) Math.min(copy.size() - 1, Math.ceil(percentile / 100.0 * copy.size()) - 1);
        return copy.get(Math.max(0, index)) / 1e6;
    }

    long connectSamples() {
        return connectNanos.size();
    }
}
