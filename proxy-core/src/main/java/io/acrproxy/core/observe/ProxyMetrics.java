package io.acrproxy.core.observe;

import io.acrproxy.policy.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.acrproxy.core.transport.epoll.SplicePipes;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The data plane's meters (design §9.1), registered once into a Micrometer registry; the server decides how
 * they are exposed (Prometheus). Every label value comes from a closed set — result, reason code,
 * direction — never a host name or a client address, so the number of series is fixed.
 *
 * <p>Counters for every reason are registered up front with zero, so that {@code rate()} and alerts see a
 * series before the first denial instead of "no data".
 */
public final class ProxyMetrics {
    private final Counter allowed;
    private final Counter denied;
    private final Counter failed;
    private final Map<Reason, Counter> deniedByReason = new EnumMap<>(Reason.class);
    private final Map<Reason, Counter> wouldDenyByReason = new EnumMap<>(Reason.class);
    private final Map<Reason, Counter> upstreamFailures = new EnumMap<>(Reason.class);
    private final Counter bytesUpstream;
    private final Counter bytesDownstream;
    private final Counter tunnelsRevoked;
    private final Counter acceptErrors;
    private final AtomicLong connectionsActive = new AtomicLong();
    private final AtomicLong tunnelsActive = new AtomicLong();
    private final Timer tunnelDuration;
    private final Timer upstreamConnect;
    private final Timer dnsResolve;

    private final MeterRegistry registry;

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        allowed = requests(registry, "allowed");
        denied = requests(registry, "denied");
        failed = requests(registry, "failed");
        for (Reason r : Reason.values()) {
            if (r == Reason.ALLOWED) {
                continue;
            }
            deniedByReason.put(r, Counter.builder("acrproxy.denied.requests").tag("reason", r.code())
                    .description("Requests refused, by reason code").register(registry));
            wouldDenyByReason.put(r, Counter.builder("acrproxy.would.deny.requests").tag("reason", r.code())
                    .description("Requests report mode let through that enforce mode would refuse").register(registry));
            if (isUpstreamFailure(r)) {
                upstreamFailures.put(r, Counter.builder("acrproxy.upstream.failures").tag("reason", r.code())
                        .description("DNS and upstream connection failures").register(registry));
            }
        }
        bytesUpstream = Counter.builder("acrproxy.tunnel.bytes").tag("direction", "upstream").baseUnit("bytes")
                .description("Bytes relayed, counted when a tunnel ends").register(registry);
        bytesDownstream = Counter.builder("acrproxy.tunnel.bytes").tag("direction", "downstream").baseUnit("bytes")
                .description("Bytes relayed, counted when a tunnel ends").register(registry);
        tunnelsRevoked = Counter.builder("acrproxy.tunnels.revoked")
                .description("Open tunnels closed because a policy reload withdrew their permission").register(registry);
        acceptErrors = Counter.builder("acrproxy.accept.errors")
                .description("Failures to accept a client connection, e.g. no file descriptors left (EMFILE)")
                .register(registry);
        Gauge.builder("acrproxy.connections.active", connectionsActive, AtomicLong::get)
                .description("Client connections open").register(registry);
        Gauge.builder("acrproxy.tunnels.active", tunnelsActive, AtomicLong::get)
                .description("Tunnels relaying").register(registry);
        tunnelDuration = Timer.builder("acrproxy.tunnel.duration").description("Tunnel lifetime")
                .serviceLevelObjectives(seconds(0.1), seconds(0.5), seconds(1), seconds(5), seconds(30), seconds(60),
                        seconds(300), seconds(900), seconds(3600))
                .register(registry);
        upstreamConnect = Timer.builder("acrproxy.upstream.connect").description("Time to connect to the upstream")
                .serviceLevelObjectives(millis(1), millis(5), millis(10), millis(25), millis(50), millis(100), millis(250),
                        millis(500), millis(1000), millis(2500), millis(5000), millis(10000))
                .register(registry);
        dnsResolve = Timer.builder("acrproxy.dns.resolve").description("Time to resolve a CONNECT host")
                .serviceLevelObjectives(millis(1), millis(5), millis(10), millis(25), millis(50), millis(100), millis(250),
                        millis(500), millis(1000), millis(2500), millis(5000))
                .register(registry);
    }

    private static Counter requests(MeterRegistry registry, String result) {
        return Counter.builder("acrproxy.requests").tag("result", result)
                .description("CONNECT and other proxy requests by outcome").register(registry);
    }

    private static Duration seconds(double s) {
        return Duration.ofMillis((long) (s * 1000));
    }

    private static Duration millis(long ms) {
        return Duration.ofMillis(ms);
    }

    /** DNS and connection failures: the policy allowed the request but the network did not. */
    static boolean isUpstreamFailure(Reason r) {
        return switch (r) {
            case DNS_ERROR, DNS_TIMEOUT, CONNECT_REFUSED, CONNECT_FAILED, CONNECT_TIMEOUT -> true;
            default -> false;
        };
    }

    void allowed(Reason wouldDeny) {
        allowed.increment();
        if (wouldDeny != null) {
            wouldDenyByReason.get(wouldDeny).increment();
        }
    }

    void denied(Reason reason) {
        denied.increment();
        deniedByReason.get(reason).increment();
    }

    void failed(Reason reason) {
        failed.increment();
        Counter upstream = upstreamFailures.get(reason);
        if (upstream != null) {
            upstream.increment();
        }
    }

    void connectionOpened() {
        connectionsActive.incrementAndGet();
    }

    void connectionClosed() {
        connectionsActive.decrementAndGet();
    }

    void tunnelStarted() {
        tunnelsActive.incrementAndGet();
    }

    void tunnelEnded(long up, long down, long durationNanos) {
        tunnelsActive.decrementAndGet();
        bytesUpstream.increment(up);
        bytesDownstream.increment(down);
        tunnelDuration.record(durationNanos, TimeUnit.NANOSECONDS);
    }

    /** One failed accept on the listening socket. */
    /** Exposes {@code acrproxy_access_log_dropped_total}: lines the access log's full queue dropped. */
    public void watch(AccessLog accessLog) {
        FunctionCounter.builder("acrproxy.access.log.dropped", accessLog, AccessLog::dropped)
                .description("Access-log lines dropped because the output could not keep up (the queue was full)")
                .register(registry);
    }

    public void watch(SplicePipes pipes) {
        Gauge.builder("acrproxy.splice.pipes.open", pipes, SplicePipes::open)
                .description("Tunnel directions relaying by splice(2), each with a pipe (two file descriptors)")
                .register(registry);
    }

    public void acceptFailed() {
        acceptErrors.increment();
    }

    public void tunnelRevoked() {
        tunnelsRevoked.increment();
    }

    public void upstreamConnected(long nanos) {
        upstreamConnect.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void dnsResolved(long nanos) {
        dnsResolve.record(nanos, TimeUnit.NANOSECONDS);
    }
}
