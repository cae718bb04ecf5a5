package io.acrproxy.server.suggest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.acrproxy.policy.ClientGroupSpec;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Reads access-log lines (one JSON object per line, design §9.2) from a stream, plain or gzip (recognised by its
 * magic bytes, whatever the file is called). A line that is not such an object — another program's output, a
 * truncated line, a log framework's prefix — is skipped and counted, never fatal: an operator feeds this whatever
 * their log shipper kept.
 */
final class AccessLogReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private long lines;
    private long skipped;

    /** Lines read, access-log or not. */
    long lines() {
        return lines;
    }

    /** Lines that were not access-log JSON. */
    long skipped() {
        return skipped;
    }

    void read(InputStream raw, Consumer<AccessLogEntry> into) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        InputStream text = b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in) : in;
        BufferedReader reader = new BufferedReader(new InputStreamReader(text, StandardCharsets.UTF_8));
        for (String line; (line = reader.readLine()) != null; ) {
            if (line.isBlank()) {
                continue;
            }
            lines++;
            AccessLogEntry entry = parse(line);
            if (entry == null) {
                skipped++;
            } else {
                into.accept(entry);
            }
        }
    }

    /** The entry, or {@code null} when the line is not an access-log object with a target and a decision. */
    static AccessLogEntry parse(String line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (IOException e) {
            return null;
        }
        if (n == null || !n.isObject() || !n.path("decision").isTextual() || !n.has("target") || !n.path("ts").isTextual()) {
            return null;
        }
        Instant time;
        try {
            time = Instant.parse(n.path("ts").asText());
        } catch (DateTimeParseException e) {
            return null;
        }
        String group = n.path("group").isTextual() ? n.path("group").asText() : ClientGroupSpec.DEFAULT;
        return new AccessLogEntry(time, text(n, "client"), text(n, "user"), group, text(n, "target"),
                n.path("decision").asText(), text(n, "reason"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isTextual() ? v.asText() : null;
    }
}
