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
    /**
     * The longest line read: an access-log line is a few hundred characters (its longest field, the request-target,
     * is at most 8 KiB, design §12), so anything longer is not one.
     */
    static final int MAX_LINE_CHARS = 64 * 1024;

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
        StringBuilder line = new StringBuilder();
        for (;;) {
            LineEnd end = readLine(reader, line);
            if (end == LineEnd.END_OF_INPUT && line.isEmpty()) {
                return;
            }
            if (end == LineEnd.TOO_LONG) {
                lines++;
                skipped++;
            } else if (!line.toString().isBlank()) {
                lines++;
                AccessLogEntry entry = parse(line.toString());
                if (entry == null) {
                    skipped++;
                } else {
                    into.accept(entry);
                }
            }
            if (end == LineEnd.END_OF_INPUT) {
                return;
            }
        }
    }

    private enum LineEnd { NEWLINE, TOO_LONG, END_OF_INPUT }

    /**
     * Reads one line into {@code line} (cleared first), without its {@code \n}. A line longer than
     * {@link #MAX_LINE_CHARS} is read to its end and dropped, not held: whatever the file holds, memory stays bounded.
     */
    private static LineEnd readLine(BufferedReader in, StringBuilder line) throws IOException {
        line.setLength(0);
        boolean tooLong = false;
        for (int c; (c = in.read()) != -1; ) {
            if (c == '\n') {
                return tooLong ? LineEnd.TOO_LONG : LineEnd.NEWLINE; // a \r before it is JSON whitespace
            }
            if (tooLong) {
                continue;
            }
            if (line.length() == MAX_LINE_CHARS) {
                tooLong = true;
                line.setLength(0);
                continue;
            }
            line.append((char) c);
        }
        return tooLong ? LineEnd.TOO_LONG : LineEnd.END_OF_INPUT;
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
