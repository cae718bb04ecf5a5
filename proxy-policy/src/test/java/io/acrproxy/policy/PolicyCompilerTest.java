package io.acrproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.acrproxy.policy.source.EndpointSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The compiler re-validates everything it is given: the policy does not trust its caller. */
class PolicyCompilerTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            '*'           | would allow every host
            '*.'          | no suffix after
            '*.*.io'      | more than one '*'
            'a*.io'       | not a whole leading label
            'x.*'         | not a whole leading label
            '*x.io'       | not a whole leading label
            'a b.io'      | whitespace
            'a\tb.io'     | control character
            '**.io'       | not a whole leading label
            '127.0.0.1'   | is an IP address
            ''            | is empty
            """)
    void badExtraHostsFailTheLoad(String entry, String problem) {
        assertThatThrownBy(() -> Policy.compile(PolicySpec.builder().extraHosts(List.of(entry.replace("\\t", "\t"))).build()))
                .isInstanceOf(PolicyCompileException.class)
                .hasMessageStartingWith("extraHosts: ")
                .hasMessageContaining(problem);
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        PolicySpec spec = PolicySpec.builder()
                .registries(RegistrySpec.named("My_Reg"), new RegistrySpec("goodreg", List.of("east us"), List.of()))
                .blobStorage(new BlobStorageSpec(BlobMode.ACCOUNTS, List.of("UPPER")))
                .extraHosts(List.of("a*.io"))
                .ports(Set.of(0))
                .build();
        assertThatThrownBy(() -> Policy.compile(spec))
                .isInstanceOfSatisfying(PolicyCompileException.class, e -> assertThat(e.problems()).containsExactly(
                        "registry \"My_Reg\" is not a valid registry name (5-50 lowercase letters and digits)",
                        "registry goodreg: \"east us\" is not a region (expected a region name such as eastus, or \"*\")",
                        "blobStorage: \"UPPER\" is not a storage account name (3-24 lowercase letters and digits)",
                        "extraHosts: \"a*.io\" has a '*' that is not a whole leading label (expected exact.name or *.suffix)",
                        "ports: 0 is not a port (expected 1-65535)"));
    }

    @Test
    void endpointFilesMustBelongToTheCloud() {
        EndpointSet china = new EndpointSet("cn.json", "myreg1.azurecr.cn", List.of("myreg1.chinaeast2.data.azurecr.cn", "evil.example.com"), List.of());
        assertThatThrownBy(() -> Policy.compile(PolicySpec.builder().endpointSets(List.of(china)).build()))
                .isInstanceOfSatisfying(PolicyCompileException.class, e -> assertThat(e.problems()).containsExactly(
                        "endpoint file cn.json: loginServer \"myreg1.azurecr.cn\" is not a registry login server <name>.azurecr.io (cloud AzureCloud)",
                        "endpoint file cn.json: dataEndpoints[0] \"myreg1.chinaeast2.data.azurecr.cn\" is not under azurecr.io (cloud AzureCloud)",
                        "endpoint file cn.json: dataEndpoints[1] \"evil.example.com\" is not under azurecr.io (cloud AzureCloud)"));
        assertThat(Policy.compile(PolicySpec.builder().cloud(Cloud.AZURE_CHINA_CLOUD).endpointSets(List.of(
                new EndpointSet("cn.json", "myreg1.azurecr.cn", List.of("myreg1.chinaeast2.data.azurecr.cn"), List.of()))).build())
                .decide("myreg1.chinaeast2.data.azurecr.cn:443").allowed()).isTrue();
    }

    @Test
    void warnsAboutWildcardsThatDefeatTheRegistryRule() {
        Policy p = Policy.compile(PolicySpec.builder().extraHosts(List.of("*.azurecr.io", "*.blob.core.windows.net", "*.com")).build());
        assertThat(p.warnings()).containsExactly(
                "extraHosts *.azurecr.io allows every tenant's registry, not only yours: list your registries instead",
                "extraHosts *.blob.core.windows.net allows every storage account: prefer blobStorage.accounts",
                "extraHosts *.com allows every name under a top-level domain");
    }

    @Test
    void warnsWhenNothingIsAllowed() {
        assertThat(Policy.compile(PolicySpec.builder().allowRegistryApex(false).build()).warnings())
                .containsExactly("nothing is allowed: configure registries, endpointFiles, presets or extraHosts");
    }

    @Test
    void listsAllowedPatternsForOperators() {
        Policy p = Policy.compile(PolicySpec.builder()
                .registries(new RegistrySpec("myreg1", List.of("eastus", "*"), List.of()))
                .presets(Set.of(Preset.MCR)).build());
        assertThat(p.allowedHosts()).extracting(h -> h.pattern() + " <- " + h.rule()).containsExactly(
                "myreg1.azurecr.io <- registry myreg1: login server",
                "myreg1.eastus.data.azurecr.io <- registry myreg1: data endpoint eastus",
                "myreg1.*.data.azurecr.io <- registry myreg1: data endpoint (any region)",
                "azurecr.io <- registry apex azurecr.io",
                "mcr.microsoft.com <- preset mcr",
                "*.data.mcr.microsoft.com <- preset mcr data endpoints");
    }
}
