package io.acrproxy.core.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one JSON object per connection on logger {@code acrproxy.access} (SPEC §9.2), with the
 * fields {@code ts, client, user, method, target, sni, decision, reason, rule, upstream, bytes_up,
 * bytes_down, duration_ms, policy_version}. Where it goes is Logback's business (stdout by default).
 */
public final class AccessLog {
    public static final String LOGGER_NAME = "acrproxy.access";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final java.util.function.LongSupplier nanoClock;

    public AccessLog(java.util.function.LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Writes the record once; later calls for the same record do nothing. */
    public void write(TunnelRecord r) {
        if (r.written) {
            return;
        }
        r.written = true;
        if (LOG.isInfoEnabled()) {
            LOG.info(toJson(r, (nanoClock.getAsLong() - r.startNanos) / 1_000_000));
        }
    }

    static String toJson(TunnelRecord r, long durationMs) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("ts", DateTimeFormatter.ISO_INSTANT.format(r.start));
            g.writeStringField("client", r.client);
            g.writeStringField("user", r.user);
            g.writeStringField("method", r.method);
            g.writeStringField("target", r.target);
            g.writeStringField("sni", r.sni);
            g.writeStringField("decision", r.decision);
            g.writeStringField("reason", r.reason == null ? null : r.reason.code());
            g.writeStringField("rule", r.rule);
            g.writeStringField("upstream", r.upstream);
            g.writeNumberField("bytes_up", r.bytesUp);
            g.writeNumberField("bytes_down", r.bytesDown);
            g.writeNumberField("duration_ms", durationMs);
            g.writeStringField("policy_version", r.policyVersion);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a StringWriter cannot fail", e);
        }
        return out.toString();
    }
}
