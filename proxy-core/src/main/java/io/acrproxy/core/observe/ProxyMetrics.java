package io.acrproxy.core.observe;

import io.acrproxy.core.transport.epoll.SplicePipes;
import io.acrproxy.policy.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The data plane's meters (design §9.1), registered once into a Micrometer registry; the server decides how
 * they are exposed (Prometheus). Every label value comes from a closed set — result, reason code,
 * direction, the configured client groups' names and {@code default} — never a host name or a client address, so
 * the number of series is bounded by the config.
 *
 * <p>Counters for every reason are registered up front with zero, so that {@code rate()} and alerts see a
 * series before the first denial instead of "no data"; a client group's when a policy naming it is installed
 * ({@link #registerGroups}).
 */
public final class ProxyMetrics {
    /** The request counters of one client group (design §6.7): its outcomes and its refusals by reason. */
    private static final class GroupMeters {
        final Counter allowed;
        final Counter denied;
        final Counter failed;
        final Map<Reason, Counter> deniedByReason = new EnumMap<>(Reason.class);
        final Map<Reason, Counter> wouldDenyByReason = new EnumMap<>(Reason.class);

        GroupMeters(MeterRegistry registry, String group) {
            allowed = requests(registry, group, "allowed");
            denied = requests(registry, group, "denied");
            failed = requests(registry, group, "failed");
            for (Reason r : Reason.values()) {
                if (r == Reason.ALLOWED) {
                    continue;
                }
                deniedByReason.put(r, Counter.builder("acrproxy.denied.requests").tag("reason", r.code()).tag("group", group)
                        .description("Requests refused, by reason code and client group").register(registry));
                wouldDenyByReason.put(r, Counter.builder("acrproxy.would.deny.requests").tag("reason", r.code())
                        .tag("group", group)
                        .description("Requests report mode let through that enforce mode would refuse").register(registry));
            }
        }

        private static Counter requests(MeterRegistry registry, String group, String result) {
            return Counter.builder("acrproxy.requests").tag("result", result).tag("group", group)
                    .description("CONNECT and other proxy requests by outcome and client group").register(registry);
        }
    }

    private final Map<String, GroupMeters> groups = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Reason, Counter> upstreamFailures = new EnumMap<>(Reason.class);
    private final Counter bytesUpstream;
    private final Counter bytesDownstream;
    private final Counter tunnelsRevoked;
    private final Map<ConnectionEnd, Counter> ends = new EnumMap<>(ConnectionEnd.class);
    private final java.util.Map<String, Counter> probes = new java.util.concurrent.ConcurrentHashMap<>();
    private final Counter acceptErrors;
    private final AtomicLong connectionsActive = new AtomicLong();
    private final AtomicLong tunnelsActive = new AtomicLong();
    private final Timer tunnelDuration;
    private final Timer upstreamConnect;
    private final Timer dnsResolve;

    private final MeterRegistry registry;

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        group(io.acrproxy.policy.ClientGroupSpec.DEFAULT);
        for (Reason r : Reason.values()) {
            if (isUpstreamFailure(r)) {
                upstreamFailures.put(r, Counter.builder("acrproxy.upstream.failures").tag("reason", r.code())
                        .description("DNS and upstream connection failures").register(registry));
            }
        }
        bytesUpstream = Counter.builder("acrproxy.tunnel.bytes").tag("direction", "upstream").baseUnit("bytes")
                .description("Bytes relayed, counted when a tunnel ends").register(registry);
        bytesDownstream = Counter.builder("acrproxy.tunnel.bytes").tag("direction", "downstream").baseUnit("bytes")
                .description("Bytes relayed, counted when a tunnel ends").register(registry);
        for (String kind : ConnectionEvents.PROBE_KINDS) {
            probe(kind, 0);
        }
        for (ConnectionEnd end : ConnectionEnd.values()) {
            ends.put(end, Counter.builder("acrproxy.connections.ended").tag("end", end.code())
                    .description("Client connections by how they ended (design 9.2), probes aside").register(registry));
        }
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

    private GroupMeters group(String name) {
        return groups.computeIfAbsent(name, n -> new GroupMeters(registry, n));
    }

    /** Registers the counters of these client groups at zero (a policy naming them is being installed). */
    public void registerGroups(java.util.Collection<String> names) {
        names.forEach(this::group);
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
            case DNS_ERROR, DNS_TIMEOUT, CONNECT_REFUSED, CONNECT_FAILED, CONNECT_TIMEOUT, PARENT_UNREACHABLE,
                    PARENT_TIMEOUT, PARENT_REFUSED, PARENT_AUTH_FAILED, PARENT_BAD_RESPONSE -> true;
            default -> false;
        };
    }

    void allowed(String group, Reason wouldDeny) {
        GroupMeters g = group(group);
        g.allowed.increment();
        if (wouldDeny != null) {
            g.wouldDenyByReason.get(wouldDeny).increment();
        }
    }

    void denied(String group, Reason reason) {
        GroupMeters g = group(group);
        g.denied.increment();
        g.deniedByReason.get(reason).increment();
    }

    void failed(String group, Reason reason) {
        group(group).failed.increment();
        Counter upstream = upstreamFailures.get(reason);
        if (upstream != null) {
            upstream.increment();
        }
    }

    void connectionOpened() {
        connectionsActive.incrementAndGet();
    }

    /** Connections by how they ended, probes aside (they have {@code acrproxy_probes_total}); every end at 0 first. */
    void connectionEnded(ConnectionEnd end) {
        ends.get(end).increment();
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

    /** A connection that asked for nothing: {@code kind} is one of {@link ConnectionEvents#PROBE_KINDS}. */
    void probe(String kind) {
        probe(kind, 1);
    }

    private void probe(String kind, int n) {
        probes.computeIfAbsent(kind, k -> Counter.builder("acrproxy.probes").tag("kind", k)
                .description("Connections that asked for nothing: a balancer's health check (PROXY protocol LOCAL), "
                        + "or a TCP connect that closed without sending a byte").register(registry)).increment(n);
    }

    public void tunnelRevoked() {
        tunnelsRevoked.increment();
    }

    public void upstreamConnected(long nanos) {
        upstreamConnect.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The meters of one parent proxy (design §2.3); label values are the configured parent names only.
     *
     * @param up 1 while the parent is tried in its configured place, 0 while it is skipped after failing
     */
    public ParentMeters parent(String name, java.util.function.IntSupplier up) {
        // Strong: the supplier is a lambda nobody else holds, and Micrometer keeps gauge objects weakly.
        Gauge.builder("acrproxy.parent.up", up, u -> u.getAsInt()).strongReference(true).tag("parent", name)
                .description("1 while the parent proxy is tried in its configured order, 0 while it is skipped "
                        + "after it could not be reached (timeouts.parentRetry)").register(registry);
        Timer connect = Timer.builder("acrproxy.parent.connect").tag("parent", name)
                .description("Time to a parent proxy's 2xx answer to CONNECT: TCP connect and the answer")
                .serviceLevelObjectives(seconds(0.001), seconds(0.005), seconds(0.025), seconds(0.1), seconds(0.5),
                        seconds(1), seconds(5))
                .register(registry);
        java.util.Map<Reason, Counter> failures = new java.util.EnumMap<>(Reason.class);
        for (Reason r : new Reason[] {Reason.PARENT_UNREACHABLE, Reason.PARENT_TIMEOUT, Reason.PARENT_REFUSED,
                Reason.PARENT_AUTH_FAILED, Reason.PARENT_BAD_RESPONSE}) {
            failures.put(r, Counter.builder("acrproxy.parent.failures").tag("parent", name).tag("reason", r.code())
                    .description("Tunnels a parent proxy could not open, by reason; unreachable and timed-out parents "
                            + "are skipped for a while and the next one is tried").register(registry));
        }
        return new ParentMeters(connect, failures);
    }

    /** What a parent proxy's attempts are recorded into. */
    public static final class ParentMeters {
        private final Timer connect;
        private final java.util.Map<Reason, Counter> failures;

        ParentMeters(Timer connect, java.util.Map<Reason, Counter> failures) {
            this.connect = connect;
            this.failures = failures;
        }

        public void connected(long nanos) {
            connect.record(nanos, TimeUnit.NANOSECONDS);
        }

        public void failed(Reason reason) {
            Counter c = failures.get(reason);
            if (c != null) {
                c.increment();
            }
        }
    }

    public void dnsResolved(long nanos) {
        dnsResolve.record(nanos, TimeUnit.NANOSECONDS);
    }
}
