package io.acrproxy.server.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The proxy's access log over the soak's window, set against what the clients saw: one line per connection, each
 * clean tunnel's bytes exactly the client's wire bytes and its end {@code completed}, a client's reset ended as
 * {@code client_reset}, and a {@code revoked}
 * decision for exactly the tunnels the clients saw revoked. Lines and connections are paired by client address, in
 * order (a source port is only reused after its previous connection ended).
 */
final class AccessLogCheck {
    record Line(String client, String target, String decision, String reason, String end, long up, long down) {
    }

    final List<Line> lines = new ArrayList<>();
    long bytesUp;
    long bytesDown;
    final Map<String, Long> endsByKind = new TreeMap<>();
    final List<String> problems = new ArrayList<>();
    long problemCount;
    long matched;

    AccessLogCheck(List<String> stdout, Instant windowStart) {
        ObjectMapper json = new ObjectMapper();
        for (String raw : stdout) {
            if (!raw.startsWith("{")) {
                continue;
            }
            try {
                JsonNode n = json.readTree(raw);
                if (Instant.parse(n.path("ts").asText()).isBefore(windowStart)) {
                    continue;
                }
                Line l = new Line(n.path("client").asText(), n.path("target").asText(), n.path("decision").asText(),
                        n.path("reason").asText(), n.path("end").asText(), n.path("bytes_up").asLong(), n.path("bytes_down").asLong());
                lines.add(l);
                bytesUp += l.up();
                bytesDown += l.down();
            } catch (Exception e) {
                problem("unreadable access-log line: " + raw);
            }
        }
    }

    long revokedLines() {
        return lines.stream().filter(l -> l.decision().equals("revoked")).count();
    }

    /** Pairs the clients' connections with the lines and checks each pair. */
    void match(Iterable<Ledger.Connection> connections) {
        Map<String, Deque<Line>> byClient = new HashMap<>();
        for (Line l : lines) {
            byClient.computeIfAbsent(l.client(), k -> new ArrayDeque<>()).add(l);
        }
        for (Ledger.Connection c : connections) {
            Deque<Line> candidates = byClient.get(c.client());
            Line l = candidates == null ? null : candidates.poll();
            if (l == null) {
                problem("no access-log line for " + describe(c));
                continue;
            }
            matched++;
            endsByKind.merge(c.kind() + " " + c.outcome() + " -> " + l.decision() + "/" + l.reason() + "/" + l.end(), 1L, Long::sum);
            if (c.outcome() == Outcome.OK && c.tls() && (l.up() != c.up() || l.down() != c.down())) {
                problem(describe(c) + ": the client's wire bytes up/down " + c.up() + "/" + c.down() + ", the access log's "
                        + l.up() + "/" + l.down());
            }
            if (c.outcome() == Outcome.OK && c.tls() && !l.end().equals("completed")) {
                problem(describe(c) + " ended in order for the client (close_notify and FIN both ways), but the access log "
                        + "says end " + l.end());
            }
            if (c.kind() == Kind.CLIENT_RESET && c.outcome() == Outcome.EXPECTED_FAILURE && c.established()
                    && !l.end().equals("client_reset")) {
                // The proxy must see the client's reset as such, and so pass it on to the origin as one (design §8.2).
                problem(describe(c) + " was reset by its client, but the access log says end " + l.end());
            }
            if ((c.outcome() == Outcome.REVOKED) != l.decision().equals("revoked")) {
                problem(describe(c) + " is " + c.outcome() + " for the client, but the access log says decision " + l.decision());
            }
        }
        byClient.values().forEach(rest -> rest.forEach(l -> problem("an access-log line no client connection explains: " + l)));
    }

    private void problem(String text) {
        problemCount++;
        if (problems.size() < 30) {
            problems.add(text);
        }
    }

    private static String describe(Ledger.Connection c) {
        return "tunnel #" + c.id() + " " + c.kind() + " (" + c.client() + ")";
    }
}
