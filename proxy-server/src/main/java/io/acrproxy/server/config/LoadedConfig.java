package io.acrproxy.server.config;

import java.util.List;
import java.util.Objects;

/**
 * A valid config and what it is worth telling the operator about it.
 *
 * @param warnings {@code path: message} lines, e.g. {@code blobStorage.mode: any permits exfiltration ...};
 *                 to be logged at start-up and shown by {@code check-config} and {@code /policy}
 */
public record LoadedConfig(ProxyConfig config, List<String> warnings) {
    public LoadedConfig {
        Objects.requireNonNull(config, "config");
        warnings = List.copyOf(warnings);
    }
}
