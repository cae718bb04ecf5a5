package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.servicetag.ServiceTagSelection;
import io.acrproxy.policy.source.EndpointSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Endpoint and service-tags files that exist and are parsed: these go through the policy module's parsers
 * ({@code EndpointsFileParser}, {@code ServiceTagsParser}, {@code ServiceTagsFile.select}).
 */
class PolicySpecsSourceFilesTest {
    private static final String ENDPOINTS = """
            {
              "loginServer": "myregistry.azurecr.io",
              "dataEndpoints": [{"region": "eastus", "endpoint": "myregistry.eastus.data.azurecr.io"}]
            }
            """;
    private static final String SERVICE_TAGS = """
            {
              "changeNumber": 7,
              "cloud": "Public",
              "values": [
                {"name": "AzureContainerRegistry.EastUS", "id": "AzureContainerRegistry.EastUS",
                 "properties": {"region": "eastus", "systemService": "AzureContainerRegistry",
                                "addressPrefixes": ["20.42.66.0/23", "2603:1030:210:402::90/124"]}},
                {"name": "Storage.EastUS", "id": "Storage.EastUS",
                 "properties": {"addressPrefixes": ["20.38.98.0/24"]}}
              ]
            }
            """;

    @TempDir
    Path dir;

    @Test
    void endpointFilesBecomeEndpointSets() throws IOException, ConfigException {
        Files.writeString(dir.resolve("myregistry.json"), ENDPOINTS);

        PolicySpec spec = PolicySpecs.load("endpointFiles: [myregistry.json]", dir).spec();

        EndpointSet set = spec.endpointSets().get(0);
        assertThat(set.loginServer()).isEqualTo("myregistry.azurecr.io");
        assertThat(set.dataEndpoints()).containsExactly("myregistry.eastus.data.azurecr.io");
    }

    @Test
    void aMalformedEndpointFileIsAnErrorUnderItsIndex() throws IOException {
        Files.writeString(dir.resolve("good.json"), ENDPOINTS);
        Files.writeString(dir.resolve("bad.json"), "{\"loginServer\": ");

        assertThat(Configs.policyErrors("endpointFiles: [good.json, bad.json]", dir))
                .singleElement().asString().startsWith("endpointFiles[1]: " + dir.resolve("bad.json") + ": ");
    }

    @Test
    void selectedServiceTagsGoIntoTheSpec() throws IOException, ConfigException {
        Files.writeString(dir.resolve("tags.json"), SERVICE_TAGS);

        PolicySpec spec = PolicySpecs.load("registries: [{name: myregistry}]\nserviceTags: {source: tags.json,"
                + " tags: [AzureContainerRegistry.EastUS], allowIpLiterals: true}", dir).spec();

        ServiceTagSelection selection = spec.serviceTags().selection();
        assertThat(selection.changeNumber()).isEqualTo(7);
        assertThat(selection.names()).containsExactly("AzureContainerRegistry.EastUS");
        assertThat(spec.serviceTags().allowIpLiterals()).isTrue();
    }

    @Test
    void aUrlSourceUsesItsCacheFile() throws IOException, ConfigException {
        Files.writeString(dir.resolve("cache.json"), SERVICE_TAGS);

        LoadedPolicy loaded = PolicySpecs.load("registries: [{name: myregistry}]\nserviceTags: {source: 'https://example.com/t.json',"
                + " cacheFile: cache.json, tags: [Storage.EastUS], verifyResolved: true}", dir);

        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.spec().serviceTags().selection().names()).containsExactly("Storage.EastUS");
    }

    @Test
    void tagsMissingFromTheFileAreOneErrorNamingThem() throws IOException {
        Files.writeString(dir.resolve("tags.json"), SERVICE_TAGS);

        assertThat(Configs.policyErrors("registries: [{name: myregistry}]\nserviceTags: {source: tags.json,"
                + " tags: [Storage.EastUS, Storage.Nowhere, AzureFoo, storage.eastus]}", dir)).singleElement().asString()
                .startsWith("serviceTags.tags: " + dir.resolve("tags.json") + ": ")
                .contains("\"Storage.Nowhere\", \"AzureFoo\", \"storage.eastus\" (did you mean Storage.EastUS?) are not in the service-tags file");
    }

    @Test
    void aMalformedServiceTagsFileIsAnErrorUnderTheKeyThatNamesIt() throws IOException {
        Files.writeString(dir.resolve("tags.json"), "{\"values\": 5}");
        Files.writeString(dir.resolve("cache.json"), "[]");

        assertThat(Configs.policyErrors("serviceTags: {source: tags.json, tags: [Storage]}", dir))
                .singleElement().asString().startsWith("serviceTags.source: " + dir.resolve("tags.json") + ": ");
        assertThat(Configs.policyErrors("serviceTags: {source: 'https://example.com/t.json', cacheFile: cache.json, tags: [Storage]}", dir))
                .singleElement().asString().startsWith("serviceTags.cacheFile: " + dir.resolve("cache.json") + ": ");
    }

    @Test
    void azuresPublishedFileLoads() throws ConfigException {
        Path fixture = Path.of(System.getProperty("acrproxy.fixtures", "../shared/fixtures"),
                "servicetags/ServiceTags_Public_20251028.json").toAbsolutePath();
        assumeTrue(Files.isReadable(fixture), "reference service-tags file not present");

        PolicySpec spec = PolicySpecs.load("registries: [{name: myregistry}]\nserviceTags: {source: '" + fixture
                + "', tags: [AzureContainerRegistry.EastUS, Storage.EastUS], allowIpLiterals: true}", dir).spec();

        assertThat(spec.serviceTags().selection().changeNumber()).isEqualTo(375);
        assertThat(spec.serviceTags().selection().names()).isEqualTo(List.of("AzureContainerRegistry.EastUS", "Storage.EastUS"));
        assertThat(spec.serviceTags().selection().prefixes()).isNotEmpty();
    }
}
