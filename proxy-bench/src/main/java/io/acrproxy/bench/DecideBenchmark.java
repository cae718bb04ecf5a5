package io.acrproxy.bench;

import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.Preset;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.host.Authority;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code Policy.decide()} for host names with 50 registries configured (issue target: under 300 ns).
 * Targets cycle through allowed login servers and data endpoints, another tenant's registry, a region
 * that is not listed, and unrelated names, so that neither branch prediction nor one hot map entry
 * flatters the number.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecideBenchmark {
    private static final int REGISTRIES = 50;

    /** allowed: login servers, data and geo endpoints; denied: other tenants, unlisted regions, storage, others. */
    @Param({"mixed", "allowed", "denied"})
    public String targets;

    private Policy policy;
    private Authority[] parsed;
    private String[] raw;
    private int next;

    @Setup
    public void setUp() {
        List<RegistrySpec> registries = new ArrayList<>();
        for (int i = 0; i < REGISTRIES; i++) {
            registries.add(new RegistrySpec("registry" + i, List.of("eastus", "westeurope"), List.of("*")));
        }
        policy = Policy.compile(PolicySpec.builder()
                .registries(registries)
                .presets(Set.of(Preset.MCR))
                .extraHosts(List.of("*.example.org"))
                .build());
        List<String> allowed = new ArrayList<>();
        List<String> denied = new ArrayList<>();
        for (int i = 0; i < REGISTRIES; i += 5) {
            allowed.add("registry" + i + ".azurecr.io:443");
            allowed.add("registry" + i + ".eastus.data.azurecr.io:443");
            allowed.add("registry" + i + ".westus.geo.azurecr.io:443");
            allowed.add("host" + i + ".example.org:443");
            denied.add("registry" + i + ".northeurope.data.azurecr.io:443");
            denied.add("evil" + i + "tenant.azurecr.io:443");
            denied.add("acct" + i + ".blob.core.windows.net:443");
            denied.add("www" + i + ".evil.com:443");
        }
        List<String> chosen = new ArrayList<>();
        switch (targets) {
            case "allowed" -> chosen.addAll(allowed);
            case "denied" -> chosen.addAll(denied);
            default -> {
                for (int i = 0; i < allowed.size(); i++) {
                    chosen.add(allowed.get(i));
                    chosen.add(denied.get(i));
                }
            }
        }
        raw = chosen.toArray(String[]::new);
        parsed = chosen.stream().map(Authority::parse).toArray(Authority[]::new);
    }

    /** The decision alone, on a target parsed beforehand (as the data plane holds it). */
    @Benchmark
    public Decision decideParsed() {
        Authority target = parsed[next];
        next = next + 1 == parsed.length ? 0 : next + 1;
        return policy.decide(target);
    }

    /** Parsing and normalising the request-target, then deciding. */
    @Benchmark
    public Decision parseAndDecide() {
        String target = raw[next];
        next = next + 1 == raw.length ? 0 : next + 1;
        return policy.decide(target);
    }
}
