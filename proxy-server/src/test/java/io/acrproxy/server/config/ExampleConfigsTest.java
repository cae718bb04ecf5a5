package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.RegistrySpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The configs shipped in config/ load on a clean clone, and the commented example tells the truth about defaults. */
class ExampleConfigsTest {
    private final Path configDir = Configs.repositoryRoot().resolve("config");

    @Test
    void exampleLoadsWithoutErrorsOrWarnings() throws ConfigException {
        LoadedPolicy loaded = PolicySpecs.load(configDir.resolve("acr-egress-proxy.yaml"));

        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config().registries()).containsExactly(new RegistrySpec("myregistry", List.of("eastus"), List.of()));
    }

    @Test
    void exampleShowsEveryDefault() throws ConfigException {
        ProxyConfig example = ConfigLoader.load(configDir.resolve("acr-egress-proxy.yaml")).config();
        ProxyConfig onlyItsRegistries = Configs.config("registries: [{name: myregistry, dataEndpointRegions: [eastus]}]");

        assertThat(example).isEqualTo(onlyItsRegistries);
    }

    @Test
    void minimalLoads() throws ConfigException {
        LoadedPolicy loaded = PolicySpecs.load(configDir.resolve("minimal.yaml"));

        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config()).isEqualTo(Configs.config("registries: [{name: myregistry}]"));
    }
}
