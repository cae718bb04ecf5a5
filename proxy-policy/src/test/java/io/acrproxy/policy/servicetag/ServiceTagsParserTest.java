package io.acrproxy.policy.servicetag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.IpAddresses;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServiceTagsParserTest {

    /**
     * A small file in Azure's shape, with what real files vary in: `values` before `changeNumber`, fields in
     * other orders, a value without `regionId` and `networkFeatures`, null and missing properties, null fields,
     * and unknown fields holding nested structures.
     */
    static final String SAMPLE = """
            {
              "values": [
                {
                  "name": "AzureContainerRegistry.EastUS",
                  "id": "AzureContainerRegistry.EastUS",
                  "properties": {
                    "changeNumber": 10,
                    "region": "eastus",
                    "regionId": 32,
                    "platform": "Azure",
                    "systemService": "AzureContainerRegistry",
                    "addressPrefixes": ["20.42.66.0/24", "40.71.10.216/29", "2603:1030:210:802::400/121"],
                    "networkFeatures": ["API", "NSG", "UDR", "FW"]
                  }
                },
                {
                  "properties": {
                    "addressPrefixes": ["20.62.128.0/26", "2603:1030:210::/47", "20.42.66.0/24"],
                    "systemService": null,
                    "region": "eastus",
                    "changeNumber": 3,
                    "futureField": {"nested": [1, {"deep": null}]}
                  },
                  "id": "Storage.EastUS",
                  "name": "Storage.EastUS"
                },
                {"name": "EmptyTag", "id": "EmptyTag", "properties": null},
                {"name": "NoProperties", "id": "NoProperties"},
                {"name": "NullPrefixes", "properties": {"addressPrefixes": null, "region": null}},
                null,
                {"id": "nameless", "properties": {"addressPrefixes": ["10.0.0.0/8"]}},
                {"name": "HostBits", "properties": {"addressPrefixes": ["10.1.2.3/8", null, "2001:DB8::1/32"], "networkFeatures": null}},
                {"name": "AzureCloud", "unknown": [[], {}], "properties": {"addressPrefixes": ["20.0.0.0/8", "2603:1000::/24"]}}
              ],
              "somethingNew": {"a": [1, 2, 3]},
              "cloud": "Public",
              "changeNumber": 375
            }
            """;

    @Test
    void parsesASmallFileInAnyFieldOrder() throws IOException {
        ServiceTagsFile file = parse(SAMPLE);
        assertThat(file.changeNumber()).isEqualTo(375);
        assertThat(file.cloud()).isEqualTo("Public");
        assertThat(file.tags().keySet()).containsExactly("AzureContainerRegistry.EastUS", "Storage.EastUS", "EmptyTag",
                "NoProperties", "NullPrefixes", "HostBits", "AzureCloud");
        ServiceTag acr = file.tags().get("AzureContainerRegistry.EastUS");
        assertThat(acr.region()).isEqualTo("eastus");
        assertThat(acr.systemService()).isEqualTo("AzureContainerRegistry");
        assertThat(acr.addressPrefixes()).extracting(Cidr::toString)
                .containsExactly("20.42.66.0/24", "40.71.10.216/29", "2603:1030:210:802::400/121");
        ServiceTag storage = file.tags().get("Storage.EastUS");
        assertThat(storage.systemService()).isEmpty();
        assertThat(storage.addressPrefixes()).hasSize(3);
        assertThat(file.tags().get("EmptyTag").addressPrefixes()).isEmpty();
        assertThat(file.tags().get("NoProperties").region()).isEmpty();
        assertThat(file.tags().get("NullPrefixes").addressPrefixes()).isEmpty();
        assertThat(file.tags().get("HostBits").addressPrefixes()).extracting(Cidr::toString)
                .containsExactly("10.0.0.0/8", "2001:db8::/32");
        assertThat(file.prefixCount()).isEqualTo(3 + 3 + 2 + 2);
    }

    @Test
    void missingTopLevelFieldsDefault() throws IOException {
        ServiceTagsFile file = parse("{\"values\": [], \"changeNumber\": null, \"cloud\": null}");
        assertThat(file.changeNumber()).isZero();
        assertThat(file.cloud()).isEmpty();
        assertThat(file.tags()).isEmpty();
        assertThat(parse("{\"values\": []}").cloud()).isEmpty();
    }

    @Test
    void valuesWithTheSameNameAreMerged() throws IOException {
        ServiceTagsFile file = parse("""
                {"values": [
                  {"name": "T", "properties": {"region": "first", "addressPrefixes": ["10.0.0.0/8"]}},
                  {"name": "U", "properties": {"addressPrefixes": ["11.0.0.0/8"]}},
                  {"name": "T", "properties": {"region": "second", "addressPrefixes": ["12.0.0.0/8", "10.0.0.0/8"]}}
                ]}""");
        assertThat(file.tags().keySet()).containsExactly("T", "U");
        assertThat(file.tags().get("T").region()).isEqualTo("first");
        assertThat(file.tags().get("T").addressPrefixes()).extracting(Cidr::toString)
                .containsExactly("10.0.0.0/8", "12.0.0.0/8", "10.0.0.0/8");
    }

    @Test
    void selectsByExactNameWithLabelsAndDistinctPrefixes() throws IOException {
        ServiceTagsFile file = parse(SAMPLE);
        ServiceTagSelection selection = file.select(List.of("Storage.EastUS", "AzureContainerRegistry.EastUS", "Storage.EastUS"));
        assertThat(selection.changeNumber()).isEqualTo(375);
        assertThat(selection.cloud()).isEqualTo("Public");
        assertThat(selection.names()).containsExactly("Storage.EastUS", "AzureContainerRegistry.EastUS");
        // File order, each prefix once: 20.42.66.0/24 is in both tags.
        assertThat(selection.prefixes()).extracting(Cidr::toString).containsExactly("20.42.66.0/24", "40.71.10.216/29",
                "2603:1030:210:802::400/121", "20.62.128.0/26", "2603:1030:210::/47");
        assertThat(selection.set().size()).isEqualTo(5);
        assertThat(selection.set().lookup(IpAddresses.parse("20.42.66.10"))).isEqualTo("AzureContainerRegistry.EastUS");
        assertThat(selection.set().lookup(IpAddresses.parse("20.62.128.1"))).isEqualTo("Storage.EastUS");
        assertThat(selection.set().lookup(IpAddresses.parse("2603:1030:210:802::401"))).isEqualTo("AzureContainerRegistry.EastUS");
        assertThat(selection.set().lookup(IpAddresses.parse("2603:1030:210:802::300"))).isEqualTo("Storage.EastUS");
        assertThat(selection.set().lookup(IpAddresses.parse("20.1.2.3"))).isNull();
        assertThat(file.select(List.of()).set().isEmpty()).isTrue();
    }

    @Test
    void reportsEveryMissingTagAndSuggestsTheCaseFix() throws IOException {
        ServiceTagsFile file = parse(SAMPLE);
        assertThatThrownBy(() -> file.select(List.of("AzureContainerRegistry.eastus", "Storage.EastUS", "NoSuchTag", "azurecloud")))
                .isInstanceOfSatisfying(UnknownServiceTagsException.class, e -> {
                    assertThat(e.missing()).containsExactly("AzureContainerRegistry.eastus", "NoSuchTag", "azurecloud");
                    assertThat(e.getMessage()).isEqualTo("service tags \"AzureContainerRegistry.eastus\" (did you mean"
                            + " AzureContainerRegistry.EastUS?), \"NoSuchTag\", \"azurecloud\" (did you mean AzureCloud?)"
                            + " are not in the service-tags file (cloud Public, changeNumber 375, 7 tags; names are"
                            + " case-sensitive)");
                });
        assertThatThrownBy(() -> file.select(List.of("Nope")))
                .hasMessageStartingWith("service tag \"Nope\" is not in the service-tags file");
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            ''                                              | 'not a service-tags file: the input is empty'
            '  \n '                                         | 'not a service-tags file: the input is empty'
            '[]'                                            | 'not a service-tags file: expected a JSON object with changeNumber, cloud and values at line 1, column 1 (found an array)'
            'hello'                                         | 'not valid JSON at line 1, column 1: Unrecognized token ''hello'''
            '<html></html>'                                 | 'not valid JSON at line 1, column 1: Unexpected character (''<'' (code 60))'
            '{"changeNumber": 1'                            | 'not valid JSON'
            '{"changeNumber": 1, "cloud": "Public"}'        | 'not a service-tags file: no "values" array'
            '{"values": null}'                              | 'not a service-tags file: no "values" array'
            '{"values": {}}'                                | 'values at line 1, column 12: expected an array (found an object)'
            '{"values": [], "changeNumber": "375"}'         | 'changeNumber at line 1, column 32: expected an integer (found a string)'
            '{"values": [], "changeNumber": 1.5}'           | 'changeNumber at line 1, column 32: expected an integer (found a number)'
            '{"values": [], "changeNumber": 99999999999999999999}' | 'not valid JSON at line 1, column 52: Numeric value (99999999999999999999) out of range of long'
            '{"values": [], "cloud": 7}'                    | 'cloud at line 1, column 25: expected a string (found a number)'
            '{"values": [7]}'                               | 'values[0] at line 1, column 13: expected an object (found a number)'
            '{"values": []} {}'                             | 'unexpected an object after the top-level object at line 1, column 16'
            '{"values": [], "values": []}'                  | 'not valid JSON at line 1, column 24: Duplicate field ''values'''
            '{"values": [{"name": "A", "name": "B"}]}'      | 'Duplicate field ''name'''
            '{"values": [{"name": 5}]}'                     | 'values[0] (a tag without a name): name at line 1, column 22: expected a string (found a number)'
            '{"values": [{"name": "A", "properties": []}]}' | 'values[0] (tag "A"): properties at line 1, column 41: expected an object (found an array)'
            '{"values": [{"name": "A", "properties": {"region": {}}}]}' | 'values[0] (tag "A"): properties.region at line 1, column 52: expected a string (found an object)'
            '{"values": [{"name": "A", "properties": {"addressPrefixes": "10.0.0.0/8"}}]}' | 'values[0] (tag "A"): properties.addressPrefixes at line 1, column 61: expected an array (found a string)'
            '{"values": [{"name": "A", "properties": {"addressPrefixes": [10]}}]}' | 'values[0] (tag "A"): properties.addressPrefixes[0] at line 1, column 62: expected a string (found a number)'
            """)
    void refusesMalformedInput(String json, String message) {
        assertThatThrownBy(() -> parse(json)).isInstanceOf(ServiceTagsFormatException.class).hasMessageContaining(message);
    }

    @Test
    void namesTheTagAndPositionOfABadPrefixEvenWhenTheNameComesLater() {
        String json = """
                {"values": [
                  {"name": "Good", "properties": {"addressPrefixes": ["10.0.0.0/8"]}},
                  {"properties": {"addressPrefixes": ["20.0.0.0/8",
                     "20.1.2/24", "300.0.0.0/8"]},
                   "name": "AzureContainerRegistry.EastUS"}
                ]}""";
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(ServiceTagsFormatException.class)
                .hasMessage("values[1] (tag \"AzureContainerRegistry.EastUS\"): properties.addressPrefixes[1] at line 4,"
                        + " column 6: \"20.1.2/24\" is not a CIDR prefix: \"20.1.2\" is not an IP address (expected an IPv4"
                        + " prefix such as 10.0.0.0/8 or an IPv6 prefix such as 2001:db8::/32)");
    }

    @Test
    void aFileErrorStartsWithTheFileName(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("ServiceTags_Public_20990101.json");
        Files.writeString(file, "{\"values\": [{\"name\": \"A\", \"properties\": {\"addressPrefixes\": [\"10.0.0.0/33\"]}}]}");
        assertThatThrownBy(() -> ServiceTagsParser.parse(file))
                .isInstanceOf(ServiceTagsFormatException.class)
                .hasMessageStartingWith(file + ": values[0] (tag \"A\"): properties.addressPrefixes[0] at line 1, column 62:"
                        + " \"10.0.0.0/33\" has an invalid prefix length \"33\"");
        Files.writeString(file, SAMPLE);
        assertThat(ServiceTagsParser.parse(file).tags()).hasSize(7);
    }

    @Test
    void refusesInvalidUtf32AsAFormatError() {
        // Leading zero bytes make Jackson read UTF-32; "{\"va" as one UTF-32BE unit is above U+10FFFF, which Jackson
        // reports as a CharConversionException (found by ServiceTagsParserFuzzTest).
        byte[] input = "\0\0\0\0{\"values\": []}".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> ServiceTagsParser.parse(new ByteArrayInputStream(input)))
                .isInstanceOf(ServiceTagsFormatException.class)
                .hasMessageStartingWith("not valid JSON: Invalid UTF-32 character");
    }

    @Test
    void leavesTheStreamOpen() throws IOException {
        boolean[] closed = {false};
        InputStream in = new ByteArrayInputStream(SAMPLE.getBytes(StandardCharsets.UTF_8)) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        ServiceTagsParser.parse(in);
        assertThat(closed[0]).isFalse();
    }

    private static ServiceTagsFile parse(String json) throws IOException {
        return ServiceTagsParser.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }
}
