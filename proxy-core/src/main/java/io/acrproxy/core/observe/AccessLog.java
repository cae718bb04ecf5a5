package io.acrproxy.core.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.acrproxy.policy.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one JSON object per connection on logger {@code acrproxy.access} (design §9.2), with the
 * fields {@code ts, client, user, method, target, sni, decision, reason, rule, upstream, bytes_up,
 * bytes_down, duration_ms, policy_version}. Where it goes is Logback's business (stdout by default).
 *
 * <p>The event loop only copies the record's fields into a queue; one thread of its own builds the JSON and
 * hands it to Logback. The queue is bounded: when it is full (the output cannot keep up) a line is dropped
 * and counted ({@link #dropped()}, {@code acrproxy_access_log_dropped_total}) rather than make the event loop
 * wait or memory grow. Lines leave in the order they were written. The thread is never woken by a write
 * (that would be a system call on the event loop per line): it takes what has queued up every
 * {@value #POLL_MILLIS} ms. {@link #close()} writes what is still queued.
 */
public final class AccessLog implements AutoCloseable {
    public static final String LOGGER_NAME = "acrproxy.access";
    /** Lines the queue holds: a few seconds of a busy proxy's connections. */
    public static final int DEFAULT_CAPACITY = 16_384;
    static final int POLL_MILLIS = 10;
    private static final int BATCH = 512;
    private static final long CLOSE_WAIT_MILLIS = 5_000;
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
    private static final Logger APP_LOG = LoggerFactory.getLogger(AccessLog.class);
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final LongSupplier nanoClock;
    private final BooleanSupplier enabled;
    private final Consumer<String> sink;
    private final ArrayBlockingQueue<Line> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    /** The production log: lines go to Logback's {@value #LOGGER_NAME} logger at INFO. */
    public AccessLog(LongSupplier nanoClock) {
        this(nanoClock, DEFAULT_CAPACITY, LOG::isInfoEnabled, LOG::info);
    }

    /**
     * @param capacity lines the queue holds before it drops
     * @param enabled  false when nobody would read the lines (the logger is off): then nothing is queued
     * @param sink     receives each line, on the log's own thread
     */
    public AccessLog(LongSupplier nanoClock, int capacity, BooleanSupplier enabled, Consumer<String> sink) {
        this.nanoClock = nanoClock;
        this.enabled = enabled;
        this.sink = sink;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = new Thread(this::run, "access-log");
        writer.setDaemon(true); // close() drains it; a JVM exiting without close() must not wait for it
        writer.start();
    }

    /** Queues the record's line once; later calls for the same record do nothing. Never blocks. */
    public void write(TunnelRecord r) {
        if (r.written) {
            return;
        }
        r.written = true;
        if (!enabled.getAsBoolean()) {
            return;
        }
        Line line = new Line(r, (nanoClock.getAsLong() - r.startNanos) / 1_000_000);
        if (closed) {
            sink.accept(new LineFormatter().format(line)); // after close(): rare (a connection outliving the server)
        } else if (!queue.offer(line)) {
            dropped.incrementAndGet();
        } else if (closed) {
            // close() came between the check and the offer, and the thread may have stopped already.
            LineFormatter formatter = new LineFormatter();
            for (Line queued; (queued = queue.poll()) != null; ) {
                sink.accept(formatter.format(queued));
            }
        }
    }

    /** Lines dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Writes what is queued and stops the thread; waits up to 5 s for a stuck output. Idempotent. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Line> batch = new ArrayList<>(BATCH);
        LineFormatter formatter = new LineFormatter();
        while (true) {
            queue.drainTo(batch, BATCH);
            if (batch.isEmpty()) {
                if (closed) {
                    return;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS));
                continue;
            }
            for (Line line : batch) {
                try {
                    sink.accept(formatter.format(line));
                } catch (RuntimeException e) {
                    APP_LOG.warn("Access-log line not written: {}", line, e);
                    formatter = new LineFormatter(); // in case the failure left it in the middle of a line
                }
            }
            batch.clear();
        }
    }

    /** What one line needs, copied from the record on its event loop: the record itself stays there. */
    private record Line(Instant start, String client, String user, String clientCert, String group, String method, String target, String sni,
                        String decision, Reason reason, String rule, String detail, String end, String upstream,
                        long bytesUp, long bytesDown, long durationMs, String policyVersion) {
        Line(TunnelRecord r, long durationMs) {
            this(r.start, r.client, r.user, r.clientCert, r.group, r.method, r.target, r.sni, r.decision, r.reason, r.rule, r.detail,
                    r.end == null ? null : r.end.code(), r.upstream, r.bytesUp, r.bytesDown, durationMs, r.policyVersion);
        }

        void writeTo(JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeStringField("ts", DateTimeFormatter.ISO_INSTANT.format(start));
            g.writeStringField("client", client);
            g.writeStringField("user", user);
            g.writeStringField("client_cert", clientCert);
            g.writeStringField("group", group);
            g.writeStringField("method", method);
            g.writeStringField("target", target);
            g.writeStringField("sni", sni);
            g.writeStringField("decision", decision);
            g.writeStringField("reason", reason == null ? null : reason.code());
            g.writeStringField("rule", rule);
            g.writeStringField("detail", detail);
            g.writeStringField("end", end);
            g.writeStringField("upstream", upstream);
            g.writeNumberField("bytes_up", bytesUp);
            g.writeNumberField("bytes_down", bytesDown);
            g.writeNumberField("duration_ms", durationMs);
            g.writeStringField("policy_version", policyVersion);
            g.writeEndObject();
        }
    }

    /**
     * Turns lines into JSON text with one generator and one buffer for all of them (the writer thread's own), instead
     * of a generator, its buffers and a {@code StringWriter} per line.
     */
    private static final class LineFormatter {
        private final StringBuilder text = new StringBuilder(512);
        private final JsonGenerator generator;

        LineFormatter() {
            try {
                generator = JSON.createGenerator(new Writer() {
                    @Override
                    public void write(char[] chars, int offset, int length) {
                        text.append(chars, offset, length);
                    }

                    @Override
                    public void flush() {
                    }

                    @Override
                    public void close() {
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            generator.setRootValueSeparator(null); // one object per line, nothing between them
        }

        String format(Line line) {
            text.setLength(0);
            try {
                line.writeTo(generator);
                generator.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("writing to a StringBuilder cannot fail", e);
            }
            return text.toString();
        }
    }
}
