package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.BlobMode;
import io.acrproxy.policy.Cloud;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.Preset;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.source.EndpointSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The configs shipped in config/ load on a clean clone, the commented example tells the truth about defaults, and
 * every config in config/examples/ loads without warnings and allows what it names (and no other tenant's registry).
 */
class ExampleConfigsTest {
    private static final Path CONFIG_DIR = Configs.repositoryRoot().resolve("config");
    private static final Path EXAMPLES_DIR = CONFIG_DIR.resolve("examples");

    /** The list item under the commented {@code # endpointFiles:} of the main example. */
    private static final Pattern COMMENTED_ENDPOINT_FILE = Pattern.compile("(?m)^# endpointFiles:\\n#\\s+-\\s+(\\S+)$");

    private final Path configDir = CONFIG_DIR;

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

    // ------------------------------------------------------------------ config/examples

    /** Every {@code *.yaml} of config/examples/, so that a new example is tested without touching this class. */
    static Stream<String> examples() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES_DIR)) {
            return files.map(f -> f.getFileName().toString()).filter(name -> name.endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void examplesDirectoryHoldsTheDocumentedExamples() throws IOException {
        assertThat(examples()).contains("iot-edge.yaml", "docker-build-host.yaml");
    }

    /**
     * What the example names is allowed, as the operator who copies it expects: its registries (login server and the
     * listed regions' endpoints), the registries of its endpoint files, its hubs, DPS and MCR. Another tenant's
     * registry, an unlisted region and a storage account are not.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void exampleLoadsWithoutWarningsAndAllowsWhatItNames(String example) throws ConfigException {
        LoadedPolicy loaded = PolicySpecs.load(EXAMPLES_DIR.resolve(example));
        Policy policy = Policy.compile(loaded.spec());

        assertThat(loaded.warnings()).as("load warnings").isEmpty();
        assertThat(policy.warnings()).as("compile warnings").isEmpty();
        PolicySpec spec = loaded.spec();
        Cloud cloud = spec.cloud();
        List<String> allowed = new ArrayList<>();
        for (RegistrySpec registry : spec.registries()) {
            allowed.add(registry.name() + "." + cloud.registrySuffix());
            registry.dataEndpointRegions().stream().filter(r -> !r.equals("*"))
                    .forEach(r -> allowed.add(registry.name() + "." + r + ".data." + cloud.registrySuffix()));
            registry.regionalEndpointRegions().stream().filter(r -> !r.equals("*"))
                    .forEach(r -> allowed.add(registry.name() + "." + r + ".geo." + cloud.registrySuffix()));
        }
        for (EndpointSet set : spec.endpointSets()) {
            allowed.add(set.loginServer());
            set.dataEndpoints().stream().filter(e -> !e.startsWith("*.")).forEach(allowed::add);
            allowed.addAll(set.regionalEndpoints());
        }
        if (spec.presets().contains(Preset.IOT_EDGE)) {
            spec.iotHubs().forEach(hub -> allowed.add(hub + "." + cloud.iotHubSuffix()));
            allowed.add(cloud.dpsGlobalHost());
        }
        if (spec.presets().contains(Preset.MCR) || spec.presets().contains(Preset.IOT_EDGE)) {
            allowed.add(cloud.mcrHost());
            allowed.add("westeurope." + cloud.mcrDataSuffix());
        }
        assertThat(allowed).as("hosts %s names", example).isNotEmpty();
        for (String host : allowed) {
            assertThat(policy.decide(host + ":443").allowed()).as("%s allows %s", example, host).isTrue();
        }

        List<String> denied = new ArrayList<>(List.of(
                "evilreg." + cloud.registrySuffix(),
                "evilreg.westeurope.data." + cloud.registrySuffix(),
                "evilhub." + cloud.iotHubSuffix()));
        for (RegistrySpec registry : spec.registries()) {
            if (!registry.dataEndpointRegions().contains("*")) {
                denied.add(registry.name() + ".nowhere.data." + cloud.registrySuffix());
            }
        }
        if (spec.blobStorage().mode() == BlobMode.NONE) {
            denied.add("someaccount." + cloud.blobSuffix());
        }
        for (String host : denied) {
            assertThat(policy.decide(host + ":443").allowed()).as("%s refuses %s", example, host).isFalse();
        }
    }

    @Test
    void iotEdgeExampleReachesHubDpsMcrAndItsRegistryOnly() throws ConfigException {
        Policy policy = Policy.compile(PolicySpecs.load(EXAMPLES_DIR.resolve("iot-edge.yaml")).spec());

        assertThat(policy.decide("contoso-plant-hub.azure-devices.net:443").rule()).isEqualTo("preset iot-edge: hub contoso-plant-hub");
        assertThat(policy.decide("global.azure-devices-provisioning.net:443").allowed()).isTrue();
        assertThat(policy.decide("mcr.microsoft.com:443").allowed()).isTrue();
        assertThat(policy.decide("westeurope.data.mcr.microsoft.com:443").allowed()).isTrue();
        assertThat(policy.decide("contosoedge.azurecr.io:443").allowed()).isTrue();
        assertThat(policy.decide("contosoedge.westeurope.data.azurecr.io:443").rule())
                .isEqualTo("registry contosoedge: data endpoint westeurope");

        assertThat(policy.decide("other-hub.azure-devices.net:443").allowed()).isFalse();
        assertThat(policy.decide("otherreg.azurecr.io:443").reason().code()).isEqualTo("host_not_allowed");
        assertThat(policy.decide("contosoedge.eastus.data.azurecr.io:443").allowed()).isFalse();
        // The comment says so: MQTT and AMQP ports are refused, the modules must use the WebSocket protocols.
        assertThat(policy.decide("contoso-plant-hub.azure-devices.net:8883").reason().code()).isEqualTo("port_not_allowed");
        assertThat(policy.decide("contoso-plant-hub.azure-devices.net:5671").reason().code()).isEqualTo("port_not_allowed");
    }

    @Test
    void dockerBuildHostExampleReadsTheSampleEndpointFile() throws ConfigException {
        LoadedPolicy loaded = PolicySpecs.load(EXAMPLES_DIR.resolve("docker-build-host.yaml"));
        Policy policy = Policy.compile(loaded.spec());

        assertThat(loaded.config().endpointFiles()).containsExactly(EXAMPLES_DIR.resolve("endpoints/myregistry.json"));
        assertThat(loaded.spec().endpointSets()).singleElement()
                .satisfies(set -> assertThat(set.loginServer()).isEqualTo("myregistry.azurecr.io"));
        assertThat(policy.decide("myregistry.azurecr.io:443").allowed()).isTrue();
        assertThat(policy.decide("myregistry.eastus.data.azurecr.io:443").rule()).endsWith("myregistry.json: data endpoint");
        assertThat(policy.decide("myregistry.westeurope.geo.azurecr.io:443").allowed()).isTrue();
        assertThat(policy.decide("contoso.westeurope.data.azurecr.io:443").allowed()).isTrue();
        assertThat(policy.decide("mcr.microsoft.com:443").allowed()).isTrue();

        assertThat(policy.decide("registry-1.docker.io:443").allowed()).isFalse();
        assertThat(policy.decide("myregistry.northeurope.data.azurecr.io:443").allowed()).isFalse();
        assertThat(policy.decide("otherreg.azurecr.io:443").allowed()).isFalse();
    }

    /** The sample is {@code az acr show-endpoints} output as the CLI prints it: keys sorted, two-space indent. */
    @Test
    void sampleEndpointFileHasTheShapeTheCliPrints() throws IOException {
        String json = Files.readString(EXAMPLES_DIR.resolve("endpoints/myregistry.json"));

        assertThat(json).startsWith("{\n  \"dataEndpoints\": [\n    {\n      \"endpoint\": ");
        assertThat(json.indexOf("\"dataEndpoints\"")).isLessThan(json.indexOf("\"loginServer\""));
        assertThat(json.indexOf("\"loginServer\"")).isLessThan(json.indexOf("\"regionalEndpoints\""));
    }

    /**
     * The main example's commented {@code endpointFiles} entry names a file that exists relative to config/, and
     * uncommenting it loads without warnings.
     */
    @Test
    void mainExampleCommentNamesTheSampleEndpointFile() throws IOException, ConfigException {
        String example = Files.readString(configDir.resolve("acr-egress-proxy.yaml"));
        Matcher entry = COMMENTED_ENDPOINT_FILE.matcher(example);

        assertThat(entry.find()).as("a commented endpointFiles entry in config/acr-egress-proxy.yaml").isTrue();
        String path = entry.group(1);
        assertThat(configDir.resolve(path)).isRegularFile();
        LoadedPolicy uncommented = PolicySpecs.load("endpointFiles: [" + path + "]", configDir);
        assertThat(uncommented.warnings()).isEmpty();
        assertThat(uncommented.spec().endpointSets()).singleElement()
                .satisfies(set -> assertThat(set.source()).isEqualTo(configDir.resolve(path).toString()));
    }
}
