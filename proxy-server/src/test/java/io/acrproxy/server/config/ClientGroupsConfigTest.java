package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.GroupAllowlist;
import io.acrproxy.policy.GroupPolicy;
import io.acrproxy.policy.Mode;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.server.RepositoryRoot;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code clientGroups} (design §6.7): the worked example loads and decides as documented; every mistake has its message. */
class ClientGroupsConfigTest {
    private static final String AUTH = "auth: {users: [{name: edge-a, passwordHash: '" + Configs.HASH + "'}, "
            + "{name: edge-b, passwordHash: '" + Configs.HASH + "'}]}\n";

    @TempDir
    Path dir;

    private List<String> errors(String yaml) {
        Problems problems = new Problems();
        ConfigLoader.check(yaml, dir, problems);
        return problems.errors().stream().map(ConfigError::toString).toList();
    }

    private List<String> warnings(String yaml) {
        Problems problems = new Problems();
        ConfigLoader.check(yaml, dir, problems);
        assertThat(problems.errors()).isEmpty();
        return problems.warnings();
    }

    /** The example of docs/configuration.md and the README. */
    static final String EXAMPLE = """
            registries: [{name: corpreg}]
            clientGroups:
              - name: plant-a
                clients: ["10.1.0.0/16"]
                users: [edge-a]
                allowlist: replace
                registries: [{name: plantareg, dataEndpointRegions: [westeurope]}]
                mode: report
              - name: build
                clients: ["10.9.0.0/16"]
                allowlist: add
                presets: [mcr]
            """;

    @Test
    void theWorkedExampleLoadsAndEachGroupDecidesForItself() throws Exception {
        LoadedPolicy loaded = PolicySpecs.load(AUTH + EXAMPLE, dir);
        ProxyConfig.ClientGroup plantA = loaded.config().clientGroups().get(0);
        Policy policy = Policy.compile(loaded.spec());

        assertThat(plantA.allowlist()).isEqualTo(GroupAllowlist.REPLACE);
        assertThat(plantA.mode()).isEqualTo(Mode.REPORT);
        assertThat(plantA.ports()).isNull();
        assertThat(loaded.warnings()).isEmpty();

        GroupPolicy a = policy.select(InetAddress.getByName("10.1.4.4"), null);
        GroupPolicy byUser = policy.select(InetAddress.getByName("192.168.0.9"), "edge-a");
        GroupPolicy build = policy.select(InetAddress.getByName("10.9.0.1"), null);
        GroupPolicy others = policy.select(InetAddress.getByName("10.5.0.1"), "edge-b");
        assertThat(List.of(a.name(), byUser.name(), build.name(), others.name()))
                .containsExactly("plant-a", "plant-a", "build", "default");
        assertThat(a.decide(Authority.parse("plantareg.westeurope.data.azurecr.io:443")).allowed()).isTrue();
        assertThat(a.decide(Authority.parse("corpreg.azurecr.io:443")).verdict().code()).isEqualTo("would_deny");
        assertThat(build.decide(Authority.parse("corpreg.azurecr.io:443")).allowed()).isTrue();
        assertThat(build.decide(Authority.parse("mcr.microsoft.com:443")).allowed()).isTrue();
        assertThat(others.decide(Authority.parse("mcr.microsoft.com:443")).allowed()).isFalse();
    }

    /**
     * The worked example as the README and docs/configuration.md print it: the first {@code yaml} block of the named
     * section. Comments aside, it must compile to the same policy as {@link #EXAMPLE}, whose verdicts are pinned above.
     */
    @Test
    void theDocumentedExamplesAreTheTestedOne() throws Exception {
        Path root = RepositoryRoot.find();
        String expected = Policy.compile(PolicySpecs.load(AUTH + EXAMPLE, dir).spec()).version();
        for (var doc : List.of(List.of("README.md", "## Client groups"), List.of("docs/configuration.md", "### Client groups"))) {
            String text = Files.readString(root.resolve(doc.get(0)));
            int section = text.indexOf("\n" + doc.get(1));
            assertThat(section).as("%s has a section %s", doc.get(0), doc.get(1)).isPositive();
            int start = text.indexOf("```yaml\n", section) + "```yaml\n".length();
            String yaml = text.substring(start, text.indexOf("```", start));

            assertThat(Policy.compile(PolicySpecs.load(AUTH + yaml, dir).spec()).version()).as(doc.get(0))
                    .isEqualTo(expected);
        }
    }

    @Test
    void aConfigWithoutGroupsMeansWhatItMeantBefore() throws Exception {
        LoadedPolicy loaded = PolicySpecs.load("registries: [{name: corpreg}]", dir);

        assertThat(loaded.config().clientGroups()).isEmpty();
        assertThat(loaded.spec().clientGroups()).isEmpty();
    }

    @Test
    void aGroupsEndpointFilesAreReadAndWatchedLikeTheTopLevelOnes() throws Exception {
        Files.writeString(dir.resolve("plantb.json"), """
                {"loginServer": "plantbreg.azurecr.io",
                 "dataEndpoints": [{"region": "northeurope", "endpoint": "plantbreg.northeurope.data.azurecr.io"}]}
                """);
        LoadedPolicy loaded = PolicySpecs.load("""
                clientGroups:
                  - {name: plant-b, clients: ["10.2.0.0/16"], allowlist: replace, endpointFiles: [plantb.json]}
                """, dir);
        Policy policy = Policy.compile(loaded.spec());

        assertThat(loaded.spec().allEndpointSets()).hasSize(1);
        assertThat(policy.group("plant-b").decide(Authority.parse("plantbreg.northeurope.data.azurecr.io:443")).rule())
                .isEqualTo("endpoint file " + dir.resolve("plantb.json") + ": data endpoint");
    }

    @Test
    void everyMistakeIsOneMessageInOnePass() {
        assertThat(errors(AUTH + """
                clientGroups:
                  - {name: plant-a, clients: ["10.1.0.0/16"], users: [edge-a], allowlist: replace}
                  - {name: plant-a, clients: ["10.7.0.0/16"], allowlist: replace}
                  - {name: b, users: [edge-a, nobody], allowlist: add}
                  - {name: nobody-in-it, allowlist: add}
                  - {name: inner, clients: ["10.1.2.0/24"], allowlist: replace}
                  - {name: c, clients: ["10.3.0.0/16"], allowlist: merge, registres: []}
                  - {name: Default, clients: ["10.4.0.0/16"]}
                """)).containsExactly(
                "clientGroups[5].registres: unknown key, did you mean \"registries\"? (expected: one of name, clients, "
                        + "users, certificates, allowlist, registries, endpointFiles, blobStorage, presets, iotHubs, extraHosts, ports, mode)",
                "clientGroups[1].name: \"plant-a\" is used twice, also at clientGroups[0] (expected: distinct group names)",
                "clientGroups[2].users[0]: \"edge-a\" is in group plant-a already (expected: each user in one group)",
                "clientGroups[2].users[1]: \"nobody\" is not a user in auth.users (expected: one of edge-a, edge-b)",
                "clientGroups[3]: selects no client (expected: clients, users, certificates or several)",
                "clientGroups[5].allowlist: \"merge\" is not valid (expected: replace, the group gets only its own "
                        + "allowlist, or add, the top-level allowlist and its own)",
                "clientGroups[6].name: \"Default\" is not a valid group name (expected: 1-63 lower-case letters, digits, "
                        + "- and _, starting with a letter or digit; not \"default\", which names the top-level policy)",
                "clientGroups[6].allowlist: is missing (expected: replace or add: whether the group's allowlist replaces "
                        + "the top-level one or adds to it)",
                "clientGroups[4].clients: 10.1.2.0/24 lies inside 10.1.0.0/16 of group plant-a, and the first matching "
                        + "group wins, so no address selects this group (expected: put it before the wider group, or "
                        + "narrow that one)");
    }

    /** Client certificates select groups as host patterns match names (design §2.4, §6.7). */
    @Test
    void certificatesAreHostPatternsEachInOneGroup() {
        assertThat(errors("""
                registries: [{name: corpreg}]
                clientGroups:
                  - {name: a, certificates: ["*.Plant-A.devices.contoso.com."], allowlist: add}
                  - {name: b, certificates: ["*.plant-a.devices.contoso.com", "*", "gw*.contoso.com"], allowlist: add}
                """)).containsExactly(
                "clientGroups[1].certificates[0]: \"*.plant-a.devices.contoso.com\" is in group a already (expected: each "
                        + "certificate name in one group)",
                "clientGroups[1].certificates[1]: \"*\" is not a valid pattern: \"*\" must be followed by a suffix "
                        + "(expected: a host name such as example.com, or *.example.com)",
                "clientGroups[1].certificates[2]: \"gw*.contoso.com\" is not a valid pattern: \"*\" may only be the "
                        + "whole first label (expected: a host name such as example.com, or *.example.com)");
        assertThat(warnings("""
                registries: [{name: corpreg}]
                clientGroups:
                  - {name: a, certificates: ["*.plant-a.devices.contoso.com"], allowlist: add}
                """)).containsExactly("clientGroups[0].certificates: no client certificate is verified without "
                + "listenTls.clientCaFile, so certificates never select this group");
    }

    @Test
    void risksLoadWithAWarning() {
        assertThat(warnings("""
                registries: [{name: corpreg}]
                clientGroups:
                  - {name: a, clients: ["10.1.0.0/16"], allowlist: replace, registries: [{name: plantareg}]}
                  - {name: b, clients: ["10.1.2.0/24", "10.2.0.0/16"], allowlist: replace, extraHosts: ["*.com"]}
                  - {name: c, users: [edge-c], allowlist: replace}
                """)).containsExactly(
                "clientGroups[1].extraHosts[0]: \"*.com\" allows every name directly under the top-level domain com",
                "clientGroups[2].users: no client authenticates without auth.users, so users never select this group",
                "clientGroups[2]: allows nothing: allowlist is replace and the group lists no registries, endpointFiles, "
                        + "presets, extraHosts or blobStorage",
                "clientGroups[1].clients: 10.1.2.0/24 lies inside 10.1.0.0/16 of group a, so those addresses get the "
                        + "earlier group");
    }

    @Test
    void anEmptyTopLevelWithGroupsWarnsAboutTheClientsOutsideThem() {
        assertThat(warnings("""
                clientGroups:
                  - {name: a, clients: ["10.1.0.0/16"], allowlist: replace, registries: [{name: plantareg}]}
                """)).containsExactly("only the registry apex azurecr.io is allowed for clients outside clientGroups: no registries, endpointFiles, "
                + "presets, extraHosts or blobStorage are configured");
    }
}
