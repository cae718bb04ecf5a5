package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.BlobMode;
import io.acrproxy.policy.BlobStorageSpec;
import io.acrproxy.policy.Cloud;
import io.acrproxy.policy.Mode;
import io.acrproxy.policy.Preset;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.IpAddresses;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Values that load, and what they become: normalised names, resolved paths, parsed durations. */
class ConfigAcceptedValuesTest {

    static Stream<Arguments> accepted() {
        return Stream.of(
                // durations: one whole number and one unit
                row("timeouts: {drain: 500ms}", c -> c.timeouts().drain(), Duration.ofMillis(500)),
                row("timeouts: {drain: 10s}", c -> c.timeouts().drain(), Duration.ofSeconds(10)),
                row("timeouts: {drain: 5m}", c -> c.timeouts().drain(), Duration.ofMinutes(5)),
                row("timeouts: {drain: 24h}", c -> c.timeouts().drain(), Duration.ofHours(24)),
                row("timeouts: {drain: 999999999h}", c -> c.timeouts().drain(), Duration.ofHours(999_999_999)),
                // addresses
                row("listen: {address: '::', port: 3128}", c -> c.listen().toString(), "[::]:3128"),
                row("listen: {address: '::'}", c -> c.listen().isWildcard(), true),
                row("admin: {address: localhost}", c -> c.admin().address().isLoopbackAddress(), true),
                row("admin: {address: LocalHost}", c -> c.admin().host(), "localhost"),
                row("admin: {address: '::1'}", c -> c.admin().address(), IpAddresses.parse("::1")),
                // the admin port may equal the listen port on addresses that do not overlap
                row("listen: {address: 127.0.0.1}\nadmin: {address: '::1', port: 3128}", c -> c.admin().port(), 3128),
                // enums
                row("cloud: AzureChinaCloud", ProxyConfig::cloud, Cloud.AZURE_CHINA_CLOUD),
                row("cloud: azureusgovernment", ProxyConfig::cloud, Cloud.AZURE_US_GOVERNMENT),
                row("mode: report", ProxyConfig::mode, Mode.REPORT),
                row("presets: [mcr, iot-edge, mcr]", ProxyConfig::presets, Set.of(Preset.MCR, Preset.IOT_EDGE)),
                // registries: regions lower-cased as DNS compares them, duplicates dropped
                row("registries: [{name: myregistry, dataEndpointRegions: [EastUS, westeurope, eastus], regionalEndpointRegions: ['*']}]",
                        ProxyConfig::registries,
                        List.of(new RegistrySpec("myregistry", List.of("eastus", "westeurope"), List.of("*")))),
                row("registries: [{name: 12345}]", c -> c.registries().get(0).name(), "12345"),
                row("registries: [{name: myregistry}, {name: other2}]", c -> c.registries().size(), 2),
                // blob storage
                row("blobStorage: {mode: accounts, accounts: [acct1, acct2, acct1]}", ProxyConfig::blobStorage,
                        new BlobStorageSpec(BlobMode.ACCOUNTS, List.of("acct1", "acct2"))),
                row("blobStorage: {mode: any}", c -> c.blobStorage().mode(), BlobMode.ANY),
                // IoT Hubs are case-insensitive in Azure and become a DNS label
                row("presets: [iot-edge]\niotHubs: [My-Hub-1, abc]", ProxyConfig::iotHubs, List.of("my-hub-1", "abc")),
                // extraHosts: normalised as CONNECT hosts are (design §4.3)
                row("extraHosts: [Example.COM., '*.Example.com', my_host.local, example.com]", ProxyConfig::extraHosts,
                        List.of("example.com", "*.example.com", "my_host.local")),
                row("ports: [443, 5671, 8443]", ProxyConfig::ports, List.of(443, 5671, 8443)),
                // relative paths are taken from the config file's directory
                row("endpointFiles: [endpoints/a.json, /srv/b.json, ../c.json]", ProxyConfig::endpointFiles,
                        List.of(Path.of("/etc/acr-egress-proxy/endpoints/a.json"), Path.of("/srv/b.json"), Path.of("/etc/c.json"))),
                row("serviceTags: {source: tags/ServiceTags.json, tags: [AzureContainerRegistry.EastUS], cacheFile: cache.json}",
                        c -> List.of(c.serviceTags().source(), c.serviceTags().cacheFile()),
                        List.of(new ServiceTagsSource.FileSource(Path.of("/etc/acr-egress-proxy/tags/ServiceTags.json")),
                                Path.of("/etc/acr-egress-proxy/cache.json"))),
                row("serviceTags: {source: 'https://example.com/ServiceTags.json', tags: [Storage], allowIpLiterals: true, verifyResolved: true}",
                        ProxyConfig::serviceTags,
                        new ProxyConfig.ServiceTags(new ServiceTagsSource.UrlSource(URI.create("https://example.com/ServiceTags.json")),
                                Duration.ofHours(24), null, List.of("Storage"), true, true)),
                row("serviceTags: {source: 'HTTPS://example.com/t.json', tags: [Storage]}", c -> c.serviceTags().source().toString(),
                        "HTTPS://example.com/t.json"),
                // destinations
                row("destinations: {denyRanges: default}", ProxyConfig::destinations, ProxyConfig.Destinations.DEFAULTS),
                row("destinations: {denyRanges: [10.0.0.0/8, 'fd00::/8']}", c -> c.destinations().denyRanges(),
                        List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8"))),
                // resolver: one address or a list; names normalised
                row("resolver: {hosts: {MyRegistry.azurecr.io.: 10.1.2.3, b.example: [10.1.2.4, 'fd00::1']}}",
                        c -> c.resolver().hosts(),
                        Map.of("myregistry.azurecr.io", List.of(IpAddresses.parse("10.1.2.3")),
                                "b.example", List.of(IpAddresses.parse("10.1.2.4"), IpAddresses.parse("fd00::1")))),
                // resolver.servers: addresses with ports, IPv6 in brackets, in order
                row("resolver: {servers: ['10.0.0.10:53', '[fd00::53]:5353']}", c -> c.resolver().servers(),
                        List.of(new java.net.InetSocketAddress(IpAddresses.parse("10.0.0.10"), 53),
                                new java.net.InetSocketAddress(IpAddresses.parse("fd00::53"), 5353))),
                row("clients: {allow: [10.1.0.0/16]}", c -> c.clients().allow(), List.of(Cidr.parse("10.1.0.0/16"))),
                // auth
                row("auth: {realm: 'Corp proxy', users: [{name: edge, passwordHash: '" + Configs.HASH + "'}, {name: 'zoë', passwordHash: '"
                        + Configs.HASH + "'}]}", ProxyConfig::auth,
                        new ProxyConfig.Auth("Corp proxy", List.of(new ProxyConfig.User("edge", Configs.HASH),
                                new ProxyConfig.User("zoë", Configs.HASH)))),
                row("allowRegistryApex: false\nrevokeOnReload: false",
                        c -> List.of(c.allowRegistryApex(), c.revokeOnReload()), List.of(false, false)));
    }

    private static Arguments row(String yaml, Function<ProxyConfig, Object> part, Object expected) {
        return Arguments.of(yaml, part, expected);
    }

    @ParameterizedTest
    @MethodSource("accepted")
    void loads(String yaml, Function<ProxyConfig, Object> part, Object expected) throws ConfigException {
        ProxyConfig c = Configs.config(yaml.contains("registries:") ? yaml : "registries: [{name: myregistry}]\n" + yaml);

        assertThat(part.apply(c)).isEqualTo(expected);
    }
}
