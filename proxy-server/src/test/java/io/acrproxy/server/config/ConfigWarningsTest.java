package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Settings that load but deserve the operator's attention. */
class ConfigWarningsTest {
    private static final String REGISTRY = "registries: [{name: myregistry}]\n";
    private static final String NOTHING_ALLOWED =
            "only the registry apex azurecr.io is allowed: no registries, endpointFiles, presets, extraHosts or blobStorage "
                    + "are configured";

    static Stream<Arguments> warnings() {
        return Stream.of(
                row(REGISTRY + "blobStorage: {mode: any}",
                        "blobStorage.mode: any permits exfiltration to any storage account (*.blob.core.windows.net)"),
                row(REGISTRY + "cloud: AzureChinaCloud\nblobStorage: {mode: any}",
                        "blobStorage.mode: any permits exfiltration to any storage account (*.blob.core.chinacloudapi.cn)"),
                row(REGISTRY + "blobStorage: {mode: none, accounts: [acct1]}",
                        "blobStorage.accounts: ignored because blobStorage.mode is none; set mode: accounts to allow only these accounts"),
                row(REGISTRY + "blobStorage: {accounts: [acct1]}",
                        "blobStorage.accounts: ignored because blobStorage.mode is none; set mode: accounts to allow only these accounts"),
                row(REGISTRY + "blobStorage: {mode: any, accounts: [acct1]}",
                        "blobStorage.accounts: ignored because blobStorage.mode is any; set mode: accounts to allow only these accounts",
                        "blobStorage.mode: any permits exfiltration to any storage account (*.blob.core.windows.net)"),
                row(REGISTRY + "iotHubs: [myhub]", "iotHubs: ignored without the iot-edge preset; add iot-edge to presets"),
                row(REGISTRY + "presets: [mcr]\niotHubs: [myhub]", "iotHubs: ignored without the iot-edge preset; add iot-edge to presets"),
                row(REGISTRY + "extraHosts: ['*.azurecr.io']", "extraHosts[0]: \"*.azurecr.io\" allows every tenant's registry under"
                        + " azurecr.io, not only yours; list your registries under registries instead"),
                row(REGISTRY + "extraHosts: [example.com, '*.eastus.data.azurecr.io']", "extraHosts[1]: \"*.eastus.data.azurecr.io\""
                        + " allows every tenant's registry under azurecr.io, not only yours; list your registries under registries instead"),
                row(REGISTRY + "cloud: AzureUSGovernment\nextraHosts: ['*.azurecr.us', '*.azurecr.io']", "extraHosts[0]: \"*.azurecr.us\""
                        + " allows every tenant's registry under azurecr.us, not only yours; list your registries under registries instead"),
                row(REGISTRY + "extraHosts: ['*.blob.core.windows.net']", "extraHosts[0]: \"*.blob.core.windows.net\" allows every"
                        + " storage account under blob.core.windows.net; use blobStorage.accounts instead"),
                row(REGISTRY + "extraHosts: ['*.com', '*.example.com', azurecr.io, '*.io']",
                        "extraHosts[0]: \"*.com\" allows every name directly under the top-level domain com",
                        "extraHosts[3]: \"*.io\" allows every name directly under the top-level domain io"),
                row(REGISTRY + "destinations: {denyRanges: []}", "destinations.denyRanges: is empty: loopback, link-local and other"
                        + " internal addresses are reachable through the proxy"),
                row(REGISTRY + "clients: {allow: []}", "clients.allow: is empty: no client may connect"),
                row(REGISTRY + "serviceTags: {tags: [Storage]}", "serviceTags.tags: ignored without serviceTags.source"),
                row("mode: report", NOTHING_ALLOWED),
                row("registries: []\nextraHosts: []", NOTHING_ALLOWED),
                row("cloud: AzureChinaCloud", "only the registry apex azurecr.cn is allowed: no registries, endpointFiles, "
                        + "presets, extraHosts or blobStorage are configured"),
                row("allowRegistryApex: false", "nothing is allowed: no registries, endpointFiles, presets, extraHosts or "
                        + "blobStorage are configured"),
                // Each of these allows something, so there is no "nothing is allowed" warning.
                row("presets: [mcr]"),
                row("extraHosts: [example.com]"),
                row("endpointFiles: [endpoints.json]"),
                row("blobStorage: {mode: accounts, accounts: [acct1]}"),
                row(REGISTRY + "presets: [iot-edge]\niotHubs: [myhub]\nextraHosts: ['*.example.com']"));
    }

    private static Arguments row(String yaml, String... warnings) {
        return Arguments.of(yaml, List.of(warnings));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("warnings")
    void warns(String yaml, List<String> expected) throws ConfigException {
        assertThat(Configs.load(yaml).warnings()).containsExactlyElementsOf(expected);
    }
}
