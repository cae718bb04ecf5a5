package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.Preset;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The configs shipped in config/ load on a clean clone, and the commented example tells the truth about defaults. */
class ExampleConfigsTest {
    private final Path configDir = Configs.repositoryRoot().resolve("config");

    @Test
    void exampleLoadsWithoutErrorsOrWarnings() throws ConfigException {
        LoadedPolicy loaded = PolicySpecs.load(configDir.resolve("acr-egress-proxy.yaml"));

        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config().registries()).isEmpty();
        assertThat(loaded.config().presets()).containsExactly(Preset.MCR);
    }

    @Test
    void exampleShowsEveryDefault() throws ConfigException {
        ProxyConfig example = ConfigLoader.load(configDir.resolve("acr-egress-proxy.yaml")).config();
        ProxyConfig onlyItsPreset = Configs.config("presets: [mcr]");

        assertThat(example).isEqualTo(onlyItsPreset);
    }

    @Test
    void minimalLoads() throws ConfigException {
        LoadedPolicy loaded = PolicySpecs.load(configDir.resolve("minimal.yaml"));

        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config()).isEqualTo(Configs.config("registries: [{name: myregistry}]"));
    }
}
