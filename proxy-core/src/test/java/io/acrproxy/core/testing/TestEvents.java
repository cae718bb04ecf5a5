package io.acrproxy.core.testing;

import io.acrproxy.core.observe.AccessLog;
import io.acrproxy.core.observe.BlockedTargets;
import io.acrproxy.core.observe.ConnectionEvents;
import io.acrproxy.core.observe.ProxyMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** {@link ConnectionEvents} for a test: metrics in a simple registry, access-log lines in a list, a 10-row blocked table. */
public final class TestEvents implements AutoCloseable {
    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    public final List<String> accessLines = new CopyOnWriteArrayList<>();
    public final BlockedTargets blocked = new BlockedTargets(10);
    private final AccessLog accessLog = new AccessLog(System::nanoTime, 64, () -> true, accessLines::add);
    public final ConnectionEvents events = new ConnectionEvents(accessLog, new ProxyMetrics(registry), blocked,
            Clock.systemUTC(), System::nanoTime);

    /** {@code acrproxy_denied_requests_total{reason}}. */
    public double denied(String reason) {
        return registry.get("acrproxy.denied.requests").tag("reason", reason).counter().count();
    }

    /** {@code acrproxy_requests_total{result}}. */
    public double requests(String result) {
        return registry.get("acrproxy.requests").tag("result", result).counter().count();
    }

    @Override
    public void close() {
        accessLog.close();
    }
}
