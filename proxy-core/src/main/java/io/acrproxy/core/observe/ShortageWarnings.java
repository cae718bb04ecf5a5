package io.acrproxy.core.observe;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application-log side of {@code resource_exhausted} refusals (design §2.1): at most one warning per resource per
 * interval, saying what is short and how many connections were refused since the last warning. Each refusal is also
 * in the access log and counted in the metrics; this is the line an operator reads, and a flood of them would bury
 * everything else just when the proxy is under pressure. Shared by every event loop.
 */
public final class ShortageWarnings {
    private static final Logger LOG = LoggerFactory.getLogger(ShortageWarnings.class);

    private final BiConsumer<String, Object[]> warn;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Window> windows = new HashMap<>();

    /** One warning a minute per resource, through this class's logger. */
    public ShortageWarnings() {
        this((format, args) -> LOG.warn(format, args), Duration.ofMinutes(1), System::nanoTime);
    }

    ShortageWarnings(BiConsumer<String, Object[]> warn, Duration interval, LongSupplier nanoClock) {
        this.warn = warn;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
    }

    /**
     * Counts one connection refused for want of {@code resource}, and logs {@code why} unless this resource was
     * reported less than an interval ago.
     */
    public void refused(String resource, Supplier<String> why) {
        long suppressed = due("refused " + resource);
        if (suppressed >= 0) {
            warn.accept("refusing new connections with 503 (resource_exhausted): {}; {} more refused for want of {} "
                    + "since the last report; open tunnels go on", new Object[] {why.get(), suppressed, resource});
        }
    }

    /**
     * Counts one open tunnel ended (with a reset) for want of {@code resource}, and logs {@code why} unless this was
     * reported less than an interval ago.
     */
    public void tunnelFailed(String resource, Supplier<String> why) {
        long suppressed = due("tunnel " + resource);
        if (suppressed >= 0) {
            warn.accept("{}; the tunnel was ended with a reset; {} more tunnels ended for want of {} since the last "
                    + "report", new Object[] {why.get(), suppressed, resource});
        }
    }

    /** The events left unreported since the last line of {@code key} when a line is due now, otherwise -1. */
    private long due(String key) {
        synchronized (windows) {
            Window w = windows.computeIfAbsent(key, k -> new Window());
            long now = nanoClock.getAsLong();
            if (w.reported && now - w.lastNanos < intervalNanos) {
                w.suppressed++;
                return -1;
            }
            long suppressed = w.suppressed;
            w.reported = true;
            w.lastNanos = now;
            w.suppressed = 0;
            return suppressed;
        }
    }

    private static final class Window {
        boolean reported;
        long lastNanos;
        long suppressed;
    }
}
