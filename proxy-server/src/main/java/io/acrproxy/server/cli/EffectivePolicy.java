package io.acrproxy.server.cli;

import io.acrproxy.policy.Policy;
import io.acrproxy.server.config.ProxyConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the command line needs from a loaded configuration: the compiled policy, every warning, and the
 * few settings outside the policy that {@code explain} and {@code firewall-rules} report on.
 *
 * @param configFile         the file it came from
 * @param policy             the compiled policy
 * @param warnings           config and policy warnings, in order
 * @param resolverHosts      {@code resolver.hosts}: static name → address overrides
 * @param serviceTagsSource  {@code serviceTags.source} as written, or {@code null}
 * @param config             the whole validated configuration
 */
public record EffectivePolicy(Path configFile, Policy policy, List<String> warnings,
                              Map<String, List<InetAddress>> resolverHosts, String serviceTagsSource, ProxyConfig config) {
    public EffectivePolicy {
        warnings = List.copyOf(warnings);
        resolverHosts = Map.copyOf(resolverHosts);
    }
}
