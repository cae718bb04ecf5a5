package io.acrproxy.policy.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EndpointsFileParserTest {

    /** As printed by `az acr show-endpoints` for a registry with dedicated data endpoints and geo-replication. */
    private static final String DEDICATED = """
            {
              "connectionEndpoint": null,
              "dataEndpoints": [
                { "endpoint": "contoso.eastus.data.azurecr.io", "region": "eastus" },
                { "endpoint": "contoso.westus.data.azurecr.io", "region": "westus" }
              ],
              "loginServer": "contoso.azurecr.io",
              "regionalEndpoints": [
                { "endpoint": "contoso.eastus.geo.azurecr.io", "region": "eastus" }
              ]
            }
            """;

    /** Data endpoints off: the CLI prints the shared storage wildcard. */
    private static final String SHARED = """
            {"dataEndpoints": [{"endpoint": "*.blob.core.windows.net", "region": "eastus"}],
             "loginServer": "contoso.azurecr.io"}
            """;

    @Test
    void readsDedicatedEndpoints(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("contoso.json");
        Files.writeString(file, DEDICATED);
        EndpointSet set = EndpointsFileParser.parse(file);
        assertThat(set.source()).isEqualTo(file.toString());
        assertThat(set.loginServer()).isEqualTo("contoso.azurecr.io");
        assertThat(set.dataEndpoints()).containsExactly("contoso.eastus.data.azurecr.io", "contoso.westus.data.azurecr.io");
        assertThat(set.regionalEndpoints()).containsExactly("contoso.eastus.geo.azurecr.io");
    }

    @Test
    void readsSharedStorageForm() throws IOException {
        EndpointSet set = parse(SHARED);
        assertThat(set.dataEndpoints()).containsExactly("*.blob.core.windows.net");
        assertThat(set.regionalEndpoints()).isEmpty();
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            '[]'                                                   | expected a JSON object
            '{"dataEndpoints": []}'                                | no loginServer
            '{"loginServer": 5}'                                   | loginServer must be a string
            '{"loginServer": "a.azurecr.io", "dataEndpoints": 3}'  | dataEndpoints must be a list
            '{"loginServer": "a.azurecr.io", "dataEndpoints": [1]}' | dataEndpoints[0] must be an object
            '{"loginServer": "a.azurecr.io", "dataEndpoints": [{"region": "x"}]}' | dataEndpoints[0] has no endpoint
            '{"loginServer": "a.azurecr.io",'                      | not valid JSON
            '{"loginServer": "a.azurecr.io", "loginServer": "b.azurecr.io"}' | not valid JSON
            '{"loginServer": "a.azurecr.io"} {"loginServer": "b.azurecr.io"}' | content after the JSON object (line 1, column 33)
            '{"loginServer": "a.azurecr.io"} ]'                   | not valid JSON
            """)
    void rejectsWhatIsNotShowEndpointsOutput(String json, String problem) {
        assertThatThrownBy(() -> parse(json)).isInstanceOf(IOException.class).hasMessageStartingWith("t.json: ").hasMessageContaining(problem);
    }

    @Test
    void jacksonLimitsAndUndecodableTextAreRefusedWithTheSourceNamed() {
        // Neither is a JsonParseException: a StreamConstraintsException and a CharConversionException (UTF-32 that is
        // not Unicode); both came out without the source name (found by EndpointsFileParserFuzzTest).
        String deep = "{\"loginServer\": \"a.azurecr.io\", \"x\": " + "[".repeat(1001) + "]".repeat(1001) + "}";
        assertThatThrownBy(() -> parse(deep)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("t.json: not valid JSON: Document nesting depth (1001) exceeds the maximum allowed");
        byte[] utf32 = "\0\0\0\0{\"loginServer\": \"a.azurecr.io\"}".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> EndpointsFileParser.parse(new ByteArrayInputStream(utf32), "t.json"))
                .isInstanceOf(IOException.class).hasMessageStartingWith("t.json: not valid JSON: Invalid UTF-32 character");
    }

    private static EndpointSet parse(String json) throws IOException {
        return EndpointsFileParser.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "t.json");
    }
}
