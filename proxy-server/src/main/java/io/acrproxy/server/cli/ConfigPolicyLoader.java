package io.acrproxy.server.cli;

import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicyCompileException;
import io.acrproxy.server.config.ConfigError;
import io.acrproxy.server.config.ConfigException;
import io.acrproxy.server.config.LoadedPolicy;
import io.acrproxy.server.config.PolicySpecs;
import io.acrproxy.server.config.ServiceTagsSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Config file → validated config and sources → compiled policy. Config errors carry their key path; the
 * compiler's own checks (e.g. an endpoint file from another cloud) name the file they concern.
 */
final class ConfigPolicyLoader implements PolicyLoader {

    @Override
    public EffectivePolicy load(Path configFile) throws PolicyLoadException {
        LoadedPolicy loaded;
        try {
            loaded = PolicySpecs.load(configFile);
        } catch (ConfigException e) {
            throw new PolicyLoadException(e.errors().stream().map(ConfigError::toString).toList());
        }
        Policy policy;
        try {
            policy = Policy.compile(loaded.spec());
        } catch (PolicyCompileException e) {
            throw new PolicyLoadException(e.problems());
        }
        List<String> warnings = new ArrayList<>(loaded.warnings());
        warnings.addAll(policy.warnings());
        ServiceTagsSource source = loaded.config().serviceTags().source();
        return new EffectivePolicy(configFile, policy, warnings, loaded.config().resolver().hosts(),
                source == null ? null : source.toString(), loaded.config());
    }
}
