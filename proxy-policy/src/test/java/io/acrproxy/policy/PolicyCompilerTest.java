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
            '*'           | "*" must be followed by a suffix
            '*.'          | "*" must be followed by a suffix
            '*.*.io'      | "*" may only be the whole first label
            'a*.io'       | "*" may only be the whole first label
            'x.*'         | "*" may only be the whole first label
            '*x.io'       | "*" may only be the whole first label
            'a b.io'      | whitespace
            'a\tb.io'     | control character
            '**.io'       | "*" may only be the whole first label
            '*.a..io'     | has an invalid suffix
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
                        "extraHosts: \"a*.io\" is not a valid pattern: \"*\" may only be the whole first label",
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
