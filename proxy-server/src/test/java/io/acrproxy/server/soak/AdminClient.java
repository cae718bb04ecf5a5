package io.acrproxy.server.soak;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The proxy's admin endpoints: {@code /healthz} and {@code /metrics} in Prometheus text, parsed. */
final class AdminClient {
    private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final int port;

    AdminClient(int port) {
        this.port = port;
    }

    record Response(int statusCode, String body) {
    }

    /**
     * One request on a connection of its own, closed after the answer ({@code Connection: close}): a kept-alive
     * connection would be a socket the proxy still holds when its file descriptors are counted.
     */
    Response get(String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int headEnd = all.indexOf("\r\n\r\n");
            if (headEnd < 0) {
                throw new IOException("no answer head from " + path);
            }
            String head = all.substring(0, headEnd);
            String body = all.substring(headEnd + 4);
            if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                body = dechunk(body);
            }
            return new Response(Integer.parseInt(head.split(" ", 3)[1]), body);
        }
    }

    private static String dechunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int pos = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", pos);
            int size = Integer.parseInt(chunked.substring(pos, lineEnd).split(";")[0].trim(), 16);
            if (size == 0) {
                return out.toString();
            }
            out.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            pos = lineEnd + 2 + size + 2;
        }
    }

    Metrics metrics() throws IOException {
        Response r = get("/metrics");
        if (r.statusCode() != 200) {
            throw new IOException("/metrics answered " + r.statusCode());
        }
        return Metrics.parse(r.body());
    }

    /** One scrape: each series by name with its labels. */
    record Metrics(Map<String, Map<Map<String, String>, Double>> series) {
        static Metrics parse(String text) {
            Map<String, Map<Map<String, String>, Double>> out = new HashMap<>();
            for (String line : text.split("\n")) {
                Matcher m = SERIES.matcher(line);
                if (line.startsWith("#") || !m.find()) {
                    continue;
                }
                Map<String, String> labels = new HashMap<>();
                if (m.group(2) != null) {
                    Matcher l = LABEL.matcher(m.group(2));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2));
                    }
                }
                out.computeIfAbsent(m.group(1), k -> new HashMap<>()).put(labels, Double.parseDouble(m.group(3)));
            }
            return new Metrics(out);
        }

        /** The sum over every series of {@code name} whose labels include {@code labelPairs} (name, value, ...). */
        double sum(String name, String... labelPairs) {
            double total = 0;
            for (Map.Entry<Map<String, String>, Double> e : series.getOrDefault(name, Map.of()).entrySet()) {
                boolean match = true;
                for (int i = 0; i < labelPairs.length; i += 2) {
                    match &= labelPairs[i + 1].equals(e.getKey().get(labelPairs[i]));
                }
                if (match) {
                    total += e.getValue();
                }
            }
            return total;
        }
    }
}
