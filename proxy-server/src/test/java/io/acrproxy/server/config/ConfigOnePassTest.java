package io.acrproxy.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** All problems come back from one load; a file that is not readable YAML is one problem with its position. */
class ConfigOnePassTest {

    @Test
    void reportsEveryProblemOfAFileAtOnce() {
        String yaml = """
                lisen: {port: 3128}
                listen: {port: 0, adress: 0.0.0.0}
                cloud: Azure
                mode: audit
                registries:
                  - name: myregistry
                  - name: My_Reg
                    dataEndpointRegions: [east us]
                  - 42
                blobStorage: {mode: accounts}
                extraHosts: ['*.azurecr.io', 'a*.io', 10.0.0.1]
                ports: [443, 443]
                sni: {inspectTimeout: 10, maxClientHelloBytes: many}
                serviceTags: {allowIpLiterals: true}
                auth: {users: [{name: edge, passwordHash: hunter2}]}
                timeouts: {idle: 10x}
                """;

        // Unknown keys and wrong types first, in file order; then invalid values, in design §3 key order.
        assertThat(Configs.errors(yaml)).containsExactly(
                "lisen: unknown key, did you mean \"listen\"? (expected: one of listen, listenTls, admin, cloud, mode, registries, endpointFiles,"
                        + " allowRegistryApex, blobStorage, presets, iotHubs, extraHosts, ports, sni, serviceTags, destinations, resolver,"
                        + " clients, auth, limits, timeouts, revokeOnReload, transport, relay, parents, routes, clientGroups)",
                "listen.adress: unknown key, did you mean \"address\"? (expected: one of address, port, proxyProtocol, logProbes)",
                "registries[2]: got 42 (expected: a map with keys name, dataEndpointRegions, regionalEndpointRegions)",
                "sni.maxClientHelloBytes: got \"many\" (expected: an integer)",
                "listen.port: 0 is not a port (expected: 1-65535)",
                "cloud: \"Azure\" is not a cloud (expected: AzureCloud, AzureChinaCloud or AzureUSGovernment)",
                "mode: \"audit\" is not a mode (expected: enforce or report)",
                "registries[1].name: \"My_Reg\" is not a valid registry name (5-50 lowercase letters and digits)",
                "registries[1].dataEndpointRegions[0]: \"east us\" is not a valid region (a DNS label such as eastus, or \"*\" for any one label)",
                "blobStorage.accounts: is empty (expected: at least one storage account name when blobStorage.mode is accounts)",
                "extraHosts[1]: \"a*.io\" is not a valid pattern: \"*\" may only be the whole first label"
                        + " (expected: a host name such as example.com, or *.example.com)",
                "extraHosts[2]: \"10.0.0.1\" is an IP address (expected: a host name; use serviceTags.allowIpLiterals for addresses)",
                "ports[1]: 443 is listed twice (expected: distinct ports)",
                "sni.inspectTimeout: \"10\" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)",
                "serviceTags.allowIpLiterals: needs serviceTags.source and serviceTags.tags (expected: false, or a source and at least one tag)",
                "auth.users[0].passwordHash: is not of the form pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>"
                        + " (expected: the output of hash-password)",
                "timeouts.idle: \"10x\" is not a duration (expected: a whole number and a unit: ms, s, m or h, e.g. 10s)");
    }

    @Test
    void theExceptionMessageHasOneLinePerProblem() {
        String yaml = "listen: {port: 0}\nmode: audit\n";

        ConfigException e = org.assertj.core.api.Assertions.catchThrowableOfType(ConfigException.class,
                () -> Configs.load(yaml));

        assertThat(e.getMessage()).isEqualTo("""
                listen.port: 0 is not a port (expected: 1-65535)
                mode: "audit" is not a mode (expected: enforce or report)""");
        assertThat(e.errors()).containsExactly(
                new ConfigError("listen.port", "0 is not a port (expected: 1-65535)"),
                new ConfigError("mode", "\"audit\" is not a mode (expected: enforce or report)"));
    }

    @Test
    void aWrongTypeDoesNotAlsoReportTheKeyAsMissing() {
        assertThat(Configs.errors("registries: [{name: [myregistry]}]")).containsExactly(
                "registries[0].name: got a list (expected: a string)");
        assertThat(Configs.errors("auth: {users: [{name: {a: b}, passwordHash: 5}]}")).containsExactly(
                "auth.users[0].name: got a map (expected: a string)",
                "auth.users[0].passwordHash: is not of the form pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>"
                        + " (expected: the output of hash-password)");
    }

    @Test
    void anInvalidModeDoesNotAlsoWarnAboutAccounts() {
        assertThat(Configs.errors("registries: [{name: myregistry}]\nblobStorage: {mode: acounts, accounts: [acct1]}"))
                .containsExactly("blobStorage.mode: \"acounts\" is not a blob storage mode (expected: none, accounts or any)");
    }

    @Test
    void aPasswordPastedAsTheHashIsNeverEchoed() {
        assertThat(Configs.errors("auth: {users: [{name: edge, passwordHash: 'correct horse battery staple'}]}"))
                .singleElement().asString().doesNotContain("correct horse");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            listen: {port: 1                          | YAML syntax error at line 1, column 17: expected ',' or '}', but got <stream end>
            registries: [{name: myregistry}\\n  x: 1  | YAML syntax error at line 2, column 3: expected ',' or ']', but got <scalar>
            a: b: c                                   | YAML syntax error at line 1, column 5: mapping values are not allowed here
            listen:\\n\\tport: 3128                   | YAML syntax error at line 2, column 1: found character '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)
            `registries: ["myregistry]`               | YAML syntax error at line 1, column 26: found unexpected end of stream
            listen: {port: 1, port: 2}                | listen.port: duplicate key on line 1 (expected: each key once per map)
            mode: enforce\\nmode: report              | mode: duplicate key on line 2 (expected: each key once per map)
            registries:\\n  - name: abcde\\n    name: fghij | registries[0].name: duplicate key on line 3 (expected: each key once per map)
            base: &b {port: 1}\\nlisten: *b           | YAML error at line 2, column 11: aliases (*b) are not supported (expected: the value written out)
            ? [a, b]\\n: 1                            | YAML error at line 1, column 4: a key is not a plain name (expected: name: value)
            """)
    void unreadableYamlIsOneErrorWithItsPosition(String yaml, String expected) {
        assertThat(Configs.errors(yaml.replace("\\n", "\n").replace("\\t", "\t"))).containsExactly(expected);
    }

    @Test
    void aYamlErrorQuotingAControlCharacterStaysOneLine() {
        // SnakeYAML puts the character it stopped at into its message as it is, here a line feed (found by
        // ConfigLoaderFuzzTest).
        assertThat(Configs.errors("registries: []&\nx: 1")).containsExactly("YAML syntax error at line 1, column 16:"
                + " unexpected character found \\x0a(10)");
    }

    @Test
    void aSecondDocumentIsAnErrorAndTheFirstIsStillChecked() {
        assertThat(Configs.errors("registries: [{name: myregistry}]\nmode: audit\n---\nmode: report\n")).containsExactly(
                "the file holds more than one YAML document (expected: one document)",
                "mode: \"audit\" is not a mode (expected: enforce or report)");
    }
}
