package io.acrproxy.server.admin;

import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The policy's meters (design §9.1): reloads by source and result, the last successful load per source, the
 * policy in force as an info metric, and the service-tags change number.
 *
 * <p>A reload reads every source at once, so each source the policy uses (config always, endpoint files and
 * service tags when configured) is counted with the reload's result.
 */
public final class PolicyMetrics {
    private static final List<String> SOURCES = List.of("config", "endpoints", "service_tags");

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, AtomicLong> lastSuccess = new ConcurrentHashMap<>();
    private final AtomicLong changeNumber = new AtomicLong(-1);
    private final MultiGauge info;

    public PolicyMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        for (String source : SOURCES) {
            for (String result : List.of("success", "failure")) {
                Counter.builder("acrproxy.policy.reloads").tag("source", source).tag("result", result)
                        .description("Policy loads and reloads by source and result").register(registry);
            }
            AtomicLong ts = new AtomicLong();
            lastSuccess.put(source, ts);
            Gauge.builder("acrproxy.policy.last.success.timestamp", ts, AtomicLong::get).tag("source", source)
                    .baseUnit("seconds").description("When each source last loaded successfully (Unix time; 0 = never)")
                    .register(registry);
        }
        Gauge.builder("acrproxy.service.tags.change.number", changeNumber, AtomicLong::get)
                .description("changeNumber of the service-tags file in force; -1 without service tags").register(registry);
        info = MultiGauge.builder("acrproxy.policy.info").description("The policy in force (value is always 1)").register(registry);
    }

    /** A load or reload succeeded and {@code policy} is in force. */
    public void loaded(Policy policy) {
        long now = clock.instant().getEpochSecond();
        for (String source : sourcesOf(policy.spec())) {
            registry.counter("acrproxy.policy.reloads", "source", source, "result", "success").increment();
            lastSuccess.get(source).set(now);
        }
        changeNumber.set(policy.serviceTags() == null ? -1 : policy.serviceTags().changeNumber());
        info.register(List.of(MultiGauge.Row.of(Tags.of("version", policy.version(), "mode", policy.mode().code(),
                "blob_mode", policy.spec().blobStorage().mode().code()), 1)), true);
    }

    /** A service-tags check found nothing new (e.g. a 304): the source is reachable and current. */
    public void serviceTagsChecked() {
        lastSuccess.get("service_tags").set(clock.instant().getEpochSecond());
        registry.counter("acrproxy.policy.reloads", "source", "service_tags", "result", "success").increment();
    }

    /** A service-tags check failed (unreachable, error status, corrupt body); the tags in force stay. */
    public void serviceTagsCheckFailed() {
        registry.counter("acrproxy.policy.reloads", "source", "service_tags", "result", "failure").increment();
    }

    /** A reload failed; the previous policy stays in force. */
    public void failed(Policy current) {
        for (String source : sourcesOf(current.spec())) {
            registry.counter("acrproxy.policy.reloads", "source", source, "result", "failure").increment();
        }
    }

    private static List<String> sourcesOf(PolicySpec spec) {
        return SOURCES.stream().filter(s -> switch (s) {
            case "endpoints" -> !spec.allEndpointSets().isEmpty();
            case "service_tags" -> spec.serviceTags().selection() != null;
            default -> true;
        }).toList();
    }
}
