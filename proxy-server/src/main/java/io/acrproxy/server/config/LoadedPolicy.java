package io.acrproxy.server.config;

import io.acrproxy.policy.PolicySpec;
import java.util.List;
import java.util.Objects;

/**
 * A valid config with the sources it names read in, ready to compile.
 *
 * @param config   the validated config (server settings: sockets, limits, timeouts, auth, resolver)
 * @param spec     what the policy is compiled from
 * @param warnings {@code path: message} lines from the config and its sources
 */
public record LoadedPolicy(ProxyConfig config, PolicySpec spec, List<String> warnings) {
    public LoadedPolicy {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(spec, "spec");
        warnings = List.copyOf(warnings);
    }
}
