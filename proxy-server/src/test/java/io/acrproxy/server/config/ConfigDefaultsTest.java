package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.BlobStorageSpec;
import io.acrproxy.policy.Cloud;
import io.acrproxy.policy.Mode;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.net.Cidr;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** design §3 defaults, written out here rather than taken from the constants, so a wrong constant shows. */
class ConfigDefaultsTest {

    @Test
    void aRegistryIsEnoughAndEverythingElseDefaults() throws ConfigException {
        LoadedConfig loaded = Configs.load("registries: [{name: myregistry}]");
        ProxyConfig c = loaded.config();

        assertThat(loaded.warnings()).isEmpty();
        assertThat(c.listen().toString()).isEqualTo("0.0.0.0:3128");
        assertThat(c.listen().isWildcard()).isTrue();
        assertThat(c.admin().toString()).isEqualTo("127.0.0.1:9090");
        assertThat(c.cloud()).isEqualTo(Cloud.AZURE_CLOUD);
        assertThat(c.mode()).isEqualTo(Mode.ENFORCE);
        assertThat(c.registries()).containsExactly(RegistrySpec.named("myregistry"));
        assertThat(c.endpointFiles()).isEmpty();
        assertThat(c.allowRegistryApex()).isTrue();
        assertThat(c.blobStorage()).isEqualTo(BlobStorageSpec.NONE);
        assertThat(c.presets()).isEmpty();
        assertThat(c.iotHubs()).isEmpty();
        assertThat(c.extraHosts()).isEmpty();
        assertThat(c.ports()).containsExactly(443);
        assertThat(c.sni()).isEqualTo(new ProxyConfig.Sni(true, Duration.ofSeconds(10), 16384));
        assertThat(c.serviceTags()).isEqualTo(new ProxyConfig.ServiceTags(null, Duration.ofHours(24), null, List.of(), false, false));
        assertThat(c.destinations()).isEqualTo(new ProxyConfig.Destinations(true, List.of(), true));
        assertThat(c.resolver()).isEqualTo(new ProxyConfig.Resolver(Map.of(), Duration.ofSeconds(5)));
        assertThat(c.clients().allow()).containsExactlyElementsOf(Stream.of(
                "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7").map(Cidr::parse).toList());
        assertThat(c.auth()).isEqualTo(new ProxyConfig.Auth("acr-egress-proxy", List.of()));
        assertThat(c.auth().enabled()).isFalse();
        assertThat(c.limits()).isEqualTo(new ProxyConfig.Limits(20000, 1000, 16384, 85));
        assertThat(c.relay()).isEqualTo(new ProxyConfig.Relay(true, 1 << 20, 1024));
        assertThat(c.timeouts()).isEqualTo(new ProxyConfig.Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(10),
                Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(30)));
        assertThat(c.revokeOnReload()).isTrue();
        assertThat(c.proxyProtocol().enabled()).isFalse();
        assertThat(c.logProbes()).isFalse();
        assertThat(c.parents()).isEmpty();
        assertThat(c.routes()).isEmpty();
        assertThat(c.routing().hasParents()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "# only a comment\n", "---\n", "~\n"})
    void anEmptyFileLoadsWithTheNothingAllowedWarning(String yaml) throws ConfigException {
        LoadedConfig loaded = Configs.load(yaml);

        assertThat(loaded.config().registries()).isEmpty();
        assertThat(loaded.warnings()).containsExactly(
                "only the registry apex azurecr.io is allowed: no registries, endpointFiles, presets, extraHosts or blobStorage "
                        + "are configured");
    }

    static Stream<Arguments> partialSections() {
        ProxyConfig.Sni sni = ProxyConfig.Sni.DEFAULTS;
        return Stream.of(
                partial("listen: {port: 8080}", c -> c.listen().toString(), "0.0.0.0:8080"),
                partial("listen: {address: 127.0.0.1}", c -> c.listen().toString(), "127.0.0.1:3128"),
                partial("admin: {port: 9091}", c -> c.admin().toString(), "127.0.0.1:9091"),
                partial("sni: {inspectTimeout: 2s}", ProxyConfig::sni, new ProxyConfig.Sni(true, Duration.ofSeconds(2), 16384)),
                partial("sni: {required: false}", ProxyConfig::sni, new ProxyConfig.Sni(false, sni.inspectTimeout(), 16384)),
                partial("sni: {maxClientHelloBytes: 4096}", ProxyConfig::sni, new ProxyConfig.Sni(true, sni.inspectTimeout(), 4096)),
                partial("serviceTags: {refreshInterval: 12h}", c -> c.serviceTags().refreshInterval(), Duration.ofHours(12)),
                partial("destinations: {allowPrivate: false}", ProxyConfig::destinations,
                        new ProxyConfig.Destinations(true, List.of(), false)),
                partial("resolver: {timeout: 2s}", ProxyConfig::resolver, new ProxyConfig.Resolver(Map.of(), Duration.ofSeconds(2))),
                partial("auth: {realm: corp}", ProxyConfig::auth, new ProxyConfig.Auth("corp", List.of())),
                partial("limits: {maxConnections: 5}", ProxyConfig::limits, new ProxyConfig.Limits(5, 1000, 16384, 85)),
                partial("limits: {maxHeaderBytes: 8192}", ProxyConfig::limits, new ProxyConfig.Limits(20000, 1000, 8192, 85)),
                partial("limits: {maxMemoryPercent: 100}", ProxyConfig::limits, new ProxyConfig.Limits(20000, 1000, 16384, 100)),
                partial("relay: {splice: false}", ProxyConfig::relay, new ProxyConfig.Relay(false, 1 << 20, 1024)),
                partial("relay: {spliceAfterBytes: 65536}", ProxyConfig::relay, new ProxyConfig.Relay(true, 65536, 1024)),
                partial("relay: {maxSplicePipes: 0}", ProxyConfig::relay, new ProxyConfig.Relay(true, 1 << 20, 0)),
                partial("timeouts: {idle: 1h}", ProxyConfig::timeouts, new ProxyConfig.Timeouts(Duration.ofSeconds(10),
                        Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(30))),
                partial("timeouts: {parentRetry: 5s}", ProxyConfig::timeouts, new ProxyConfig.Timeouts(Duration.ofSeconds(10),
                        Duration.ofSeconds(10), Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(5))),
                partial("blobStorage: {accounts: []}", ProxyConfig::blobStorage, BlobStorageSpec.NONE),
                // An explicit null, or a section with nothing in it, means the defaults, like an absent key.
                partial("sni: {required: null}", ProxyConfig::sni, sni),
                partial("sni:", ProxyConfig::sni, sni),
                partial("sni: {}", ProxyConfig::sni, sni),
                partial("ports: ~", ProxyConfig::ports, List.of(443)),
                partial("serviceTags: {source: null}", ProxyConfig::serviceTags, ProxyConfig.ServiceTags.DEFAULTS),
                partial("destinations: {denyRanges: null}", ProxyConfig::destinations, ProxyConfig.Destinations.DEFAULTS),
                partial("clients: {}", c -> c.clients().allow().size(), 6));
    }

    private static Arguments partial(String yaml, Function<ProxyConfig, Object> part, Object expected) {
        return Arguments.of(yaml, part, expected);
    }

    @ParameterizedTest
    @MethodSource("partialSections")
    void partialSectionsKeepTheOtherDefaults(String yaml, Function<ProxyConfig, Object> part, Object expected) throws ConfigException {
        ProxyConfig c = Configs.config("registries: [{name: myregistry}]\n" + yaml);

        assertThat(part.apply(c)).isEqualTo(expected);
    }
}
