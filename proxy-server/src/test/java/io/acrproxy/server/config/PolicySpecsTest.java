package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.BlobMode;
import io.acrproxy.policy.Cloud;
import io.acrproxy.policy.Mode;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.Preset;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.ServiceTagRules;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.DestinationRules;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PolicySpec built from a config, and problems with the files a config names. Nothing here parses an
 * endpoint or service-tags file (see {@link PolicySpecsSourceFilesTest}).
 */
class PolicySpecsTest {
    @TempDir
    Path dir;

    @Test
    void mapsTheConfigOntoTheSpec() throws ConfigException {
        LoadedPolicy loaded = PolicySpecs.load("""
                cloud: AzureChinaCloud
                mode: report
                registries: [{name: myregistry, dataEndpointRegions: [chinaeast2]}]
                allowRegistryApex: false
                blobStorage: {mode: accounts, accounts: [acct1]}
                presets: [iot-edge]
                iotHubs: [MyHub]
                extraHosts: [Example.com, '*.example.org']
                ports: [443, 5671]
                sni: {required: false}
                destinations: {denyRanges: [203.0.113.0/24], allowPrivate: false}
                clients: {allow: [10.1.0.0/16]}
                """, dir);
        PolicySpec spec = loaded.spec();

        assertThat(loaded.warnings()).isEmpty();
        assertThat(spec.cloud()).isEqualTo(Cloud.AZURE_CHINA_CLOUD);
        assertThat(spec.mode()).isEqualTo(Mode.REPORT);
        assertThat(spec.registries()).containsExactly(new RegistrySpec("myregistry", List.of("chinaeast2"), List.of()));
        assertThat(spec.endpointSets()).isEmpty();
        assertThat(spec.allowRegistryApex()).isFalse();
        assertThat(spec.blobStorage().mode()).isEqualTo(BlobMode.ACCOUNTS);
        assertThat(spec.blobStorage().accounts()).containsExactly("acct1");
        assertThat(spec.presets()).containsExactly(Preset.IOT_EDGE);
        assertThat(spec.iotHubs()).containsExactly("myhub");
        assertThat(spec.extraHosts()).containsExactly("example.com", "*.example.org");
        assertThat(spec.ports()).containsExactlyInAnyOrder(443, 5671);
        assertThat(spec.sniRequired()).isFalse();
        assertThat(spec.serviceTags()).isEqualTo(ServiceTagRules.NONE);
        assertThat(spec.destinations().denyRanges()).containsExactly(Cidr.parse("203.0.113.0/24"));
        assertThat(spec.destinations().allowPrivate()).isFalse();
        assertThat(spec.clientAllow()).containsExactly(Cidr.parse("10.1.0.0/16"));
    }

    @Test
    void defaultDenyRangesAreThePolicyModulesDefaults() throws ConfigException {
        PolicySpec spec = PolicySpecs.load("registries: [{name: myregistry}]", dir).spec();

        assertThat(spec.destinations().denyRanges()).isEqualTo(DestinationRules.defaultDenyRanges());
        assertThat(spec.destinations().allowPrivate()).isTrue();
    }

    @Test
    void ownAddressesAreTheConcreteListeningSockets() throws ConfigException {
        // The wildcard listen address stands for every local address: the running server adds those.
        assertThat(PolicySpecs.load("registries: [{name: myregistry}]", dir).spec().destinations().ownAddresses())
                .containsExactly(new InetSocketAddress("127.0.0.1", 9090));
        assertThat(PolicySpecs.load("registries: [{name: myregistry}]\nlisten: {address: 10.0.0.5}\nadmin: {address: '::'}", dir)
                .spec().destinations().ownAddresses())
                .containsExactly(new InetSocketAddress("10.0.0.5", 3128));
    }

    @Test
    void buildReadsTheSourcesOfALoadedConfigAgain() throws ConfigException {
        ProxyConfig config = ConfigLoader.load("registries: [{name: myregistry}]\nports: [8443]", dir).config();

        LoadedPolicy loaded = PolicySpecs.build(config);

        assertThat(loaded.config()).isSameAs(config);
        assertThat(loaded.spec().ports()).isEqualTo(Set.of(8443));
    }

    @Test
    void missingAndDirectoryEndpointFilesAreErrorsUnderTheirIndex() throws IOException {
        Files.createDirectory(dir.resolve("endpoints"));

        assertThat(Configs.policyErrors("registries: [{name: myregistry}]\nendpointFiles: [missing.json, endpoints]", dir))
                .containsExactly(
                        "endpointFiles[0]: " + dir.resolve("missing.json") + ": does not exist",
                        "endpointFiles[1]: " + dir.resolve("endpoints") + ": is a directory (expected: a file)");
    }

    @Test
    void aMissingServiceTagsFileIsAnErrorUnderSource() {
        assertThat(Configs.policyErrors("registries: [{name: myregistry}]\n"
                + "serviceTags: {source: tags/ServiceTags.json, tags: [AzureContainerRegistry]}", dir))
                .containsExactly("serviceTags.source: " + dir.resolve("tags/ServiceTags.json") + ": does not exist");
    }

    @Test
    void aUrlSourceWithoutACacheIsWarnedAboutWhenNothingNeedsTheTags() throws ConfigException {
        LoadedPolicy loaded = PolicySpecs.load("registries: [{name: myregistry}]\n"
                + "serviceTags: {source: 'https://example.com/ServiceTags.json', tags: [Storage], cacheFile: cache.json}", dir);

        assertThat(loaded.warnings()).containsExactly(
                "serviceTags.source: service tags not checked: URL sources are fetched by the running proxy");
        assertThat(loaded.spec().serviceTags()).isEqualTo(ServiceTagRules.NONE);
    }

    @Test
    void aUrlSourceWithoutACacheIsAnErrorWhenIpLiteralsOrVerificationNeedTheTags() {
        for (String flag : List.of("allowIpLiterals", "verifyResolved")) {
            assertThat(Configs.policyErrors("registries: [{name: myregistry}]\n"
                    + "serviceTags: {source: 'https://example.com/t.json', tags: [Storage], " + flag + ": true}", dir))
                    .containsExactly("serviceTags.source: https://example.com/t.json cannot be read at load: URL sources are fetched by the"
                            + " running proxy (expected: a readable serviceTags.cacheFile while allowIpLiterals or verifyResolved is on)");
        }
    }

    @Test
    void configAndSourceProblemsComeBackTogether() {
        assertThat(Configs.policyErrors("""
                registries: [{name: myregistry}]
                listen: {port: 0}
                endpointFiles: [a.json]
                serviceTags: {source: t.json, tags: [Storage]}
                limits: {maxConnections: 0}
                """, dir)).containsExactly(
                "listen.port: 0 is not a port (expected: 1-65535)",
                "limits.maxConnections: 0 is not positive (expected: an integer above 0)",
                "endpointFiles[0]: " + dir.resolve("a.json") + ": does not exist",
                "serviceTags.source: " + dir.resolve("t.json") + ": does not exist");
    }

    @Test
    void sourcesOfASectionWithProblemsAreNotRead() {
        // Reading the rest would report files under indexes or tags the reader cannot trust.
        assertThat(Configs.policyErrors("""
                registries: [{name: myregistry}]
                endpointFiles: ['https://example.com/e.json', b.json]
                serviceTags: {source: t.json, tags: [Storage], refreshInterval: often}
                """, dir)).containsExactly(
                "endpointFiles[0]: \"https://example.com/e.json\" is a URL (expected: a file path)",
                "serviceTags.refreshInterval: \"often\" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)");
    }

    @Test
    void unreadableYamlStopsBeforeTheSources() {
        assertThat(Configs.policyErrors("endpointFiles: [a.json", dir)).containsExactly(
                "YAML syntax error at line 1, column 23: expected ',' or ']', but got <stream end>");
    }
}
