package io.acrproxy.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.acrproxy.core.auth.PasswordHash;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line against real configuration files, through the same entry point as the jar. */
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Path config;
    private String stdin = "";
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void writeConfig() throws IOException {
        config = write("proxy.yaml", """
                registries:
                  - name: myregistry
                    dataEndpointRegions: [eastus]
                presets: [mcr]
                extraHosts: ["*.example.org"]
                resolver:
                  hosts:
                    myregistry.azurecr.io: 20.1.2.3
                    myregistry.eastus.data.azurecr.io: 169.254.169.254
                """);
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    private int run(String... args) {
        return Main.execute(new ConfigPolicyLoader(), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), null,
                new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private JsonNode outJson() throws IOException {
        return JSON.readTree(out.toString());
    }

    /** A device certificate's identity picks its group, as on the TLS port (design §2.4, §6.7). */
    @Test
    void explainWithACertificatePicksItsGroup() throws IOException {
        Path groups = write("groups.yaml", """
                registries: [{name: myregistry}]
                clientGroups:
                  - {name: plant-a, certificates: ["*.plant-a.devices.contoso.com"], allowlist: replace,
                     registries: [{name: plantareg}]}
                """);
        assertThat(run("explain", "--config", groups.toString(), "--certificate", "Device1.Plant-A.devices.contoso.com.",
                "myregistry.azurecr.io")).isEqualTo(1);
        assertThat(outJson().get("group").asText()).isEqualTo("plant-a");
        out.getBuffer().setLength(0);
        assertThat(run("explain", "--config", groups.toString(), "--certificate", "device1.plant-b.devices.contoso.com",
                "myregistry.azurecr.io")).isZero();
        assertThat(outJson().get("group").asText()).isEqualTo("default");
    }

    @Test
    void explainAllowedTarget() throws IOException {
        assertThat(run("explain", "--config", config.toString(), "myregistry.azurecr.io:443")).isZero();
        JsonNode json = outJson();
        assertThat(json.get("verdict").asText()).isEqualTo("allow");
        assertThat(json.get("reason").asText()).isEqualTo("allowed");
        assertThat(json.get("rule").asText()).isEqualTo("registry myregistry: login server");
        assertThat(json.get("stages").get(1).get("input").asText()).isEqualTo("20.1.2.3");
        assertThat(json.get("policyVersion").asText()).hasSize(12);
    }

    @Test
    void explainAndCheckConfigShowTheRouteThroughParentProxies() throws IOException {
        Path withParents = write("parents.yaml", Files.readString(config) + """
                parents:
                  - {name: corp, url: 'http://10.0.0.5:8080'}
                  - {name: corp2, url: 'http://10.0.0.6:8080'}
                routes:
                  - {hosts: [myregistry.eastus.data.azurecr.io], via: direct}
                  - {hosts: ['*.example.org'], via: [corp2]}
                """);

        assertThat(run("explain", "--config", withParents.toString(), "myregistry.azurecr.io:443")).isZero();
        JsonNode viaAll = outJson();
        assertThat(viaAll.path("route").path("via").asText()).isEqualTo("parents");
        assertThat(viaAll.path("route").path("parents")).extracting(JsonNode::asText).containsExactly("corp", "corp2");
        assertThat(viaAll.path("resolution").asText()).startsWith("not resolved here: the target goes through parent proxies");
        assertThat(viaAll.path("stages")).noneMatch(n -> n.path("stage").asText().equals("address"));

        out.getBuffer().setLength(0);
        assertThat(run("explain", "--config", withParents.toString(), "a.example.org")).isZero();
        assertThat(outJson().path("route").path("parents")).extracting(JsonNode::asText).containsExactly("corp2");

        out.getBuffer().setLength(0);
        assertThat(run("explain", "--config", withParents.toString(), "myregistry.eastus.data.azurecr.io")).isEqualTo(1);
        JsonNode direct = outJson();
        assertThat(direct.path("route").path("via").asText()).isEqualTo("direct");
        assertThat(direct.path("reason").asText()).as("a direct target's addresses are still checked")
                .isEqualTo("destination_prohibited");

        out.getBuffer().setLength(0);
        assertThat(run("check-config", withParents.toString())).isZero();
        assertThat(out.toString()).contains("parent proxies, tried in this order:", "  corp  http://10.0.0.5:8080",
                "  myregistry.eastus.data.azurecr.io  ->  direct", "  *.example.org  ->  corp2",
                "  any other target  ->  corp, corp2 (never direct)");
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource({
            "evilreg.azurecr.io, 1, host_not_allowed, default deny under azurecr.io",
            "evilreg.azurecr.io:443, 1, host_not_allowed, default deny under azurecr.io",
            "myregistry.azurecr.io:8443, 1, port_not_allowed, ports [443]",
            "a.example.org, 0, allowed, extraHosts *.example.org",
            "westeurope.data.mcr.microsoft.com, 0, allowed, preset mcr data endpoints",
            "20.1.2.3, 1, ip_literal_not_allowed, serviceTags.allowIpLiterals: false",
            "myregistry.eastus.data.azurecr.io, 1, destination_prohibited, deny range 169.254.0.0/16 (link-local)",
    })
    void explainExitCodesAndReasons(String target, int exit, String reason, String rule) throws IOException {
        assertThat(run("explain", "--config", config.toString(), target)).isEqualTo(exit);
        JsonNode json = outJson();
        assertThat(json.get("reason").asText()).isEqualTo(reason);
        assertThat(json.get("rule").asText()).startsWith(rule);
    }

    @Test
    void explainChecksSniClientAndAddresses() throws IOException {
        assertThat(run("explain", "--config", config.toString(), "myregistry.azurecr.io", "--sni", "evilreg.azurecr.io")).isEqualTo(1);
        assertThat(outJson().get("reason").asText()).isEqualTo("sni_mismatch");
        assertThat(outJson().get("stage").asText()).isEqualTo("sni");

        out.getBuffer().setLength(0);
        assertThat(run("explain", "--config", config.toString(), "myregistry.azurecr.io", "--client", "203.0.113.9")).isEqualTo(1);
        assertThat(outJson().get("reason").asText()).isEqualTo("client_not_allowed");

        out.getBuffer().setLength(0);
        assertThat(run("explain", "--config", config.toString(), "a.example.org", "--address", "::ffff:127.0.0.1")).isEqualTo(1);
        assertThat(outJson().get("reason").asText()).isEqualTo("destination_prohibited");

        out.getBuffer().setLength(0);
        assertThat(run("explain", "--config", config.toString(), "a.example.org", "--address", "20.1.2.3", "--client", "10.1.2.3")).isZero();
        assertThat(outJson().get("stages")).hasSize(3);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"127.1:443", "user@myregistry.azurecr.io:443", "myregistry.azurecr.io:0", "'bad host:443'"})
    void explainBadInputExitsTwo(String target) {
        assertThat(run("explain", "--config", config.toString(), target)).isEqualTo(2);
        assertThat(err.toString()).startsWith("explain: ");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void explainBadClientAddressExitsTwo() {
        assertThat(run("explain", "--config", config.toString(), "a.example.org", "--client", "localhost")).isEqualTo(2);
        assertThat(err.toString()).contains("is not an IP address");
    }

    /** The README's commands, on the example config a clean clone has. */
    @Test
    void readmeCommandsWorkOnTheExampleConfig() throws IOException {
        String example = io.acrproxy.server.RepositoryRoot.find().resolve("config/acr-egress-proxy.yaml").toString();
        assertThat(run("check-config", example)).isZero();
        assertThat(out.toString()).contains("mcr.microsoft.com").contains("*.data.mcr.microsoft.com").contains("warnings: none");

        out.getBuffer().setLength(0);
        assertThat(run("explain", "--config", example, "mcr.microsoft.com:443")).isZero();
        assertThat(outJson().get("rule").asText()).isEqualTo("preset mcr");

        out.getBuffer().setLength(0);
        assertThat(run("explain", "--config", example, "evilreg.azurecr.io")).isEqualTo(1);
        assertThat(outJson().get("message").asText()).isEqualTo("evilreg.azurecr.io is not an allowed registry endpoint");

        out.getBuffer().setLength(0);
        assertThat(run("firewall-rules", "--config", example, "--format", "json")).isZero();
        assertThat(run("check-config", io.acrproxy.server.RepositoryRoot.find().resolve("config/minimal.yaml").toString())).isZero();
    }

    @Test
    void checkConfigSummarisesTheEffectiveRules() {
        assertThat(run("check-config", config.toString())).isZero();
        assertThat(out.toString())
                .contains("is valid")
                .contains("myregistry.azurecr.io")
                .contains("registry myregistry: data endpoint eastus")
                .contains("*.data.mcr.microsoft.com")
                .contains("warnings:")
                // the destination filter as applied, not only the configured denyRanges
                .contains("168.63.129.16/32 (Azure platform address)", "NAT64 64:ff9b::/96", "Teredo 2001::/32");
    }

    @Test
    void checkConfigReportsEveryErrorAndExitsTwo() throws IOException {
        Path bad = write("bad.yaml", """
                registries:
                  - name: goodregistry
                  - name: My_Reg
                ports: [0]
                bogus: 1
                """);
        assertThat(run("check-config", bad.toString())).isEqualTo(2);
        assertThat(err.toString())
                .contains("registries[1].name: \"My_Reg\" is not a valid registry name (5-50 lowercase letters and digits)")
                .contains("ports[0]")
                .contains("bogus");
    }

    /** A missing file is not an invalid one: the message says which, for every command that reads a config. */
    @ParameterizedTest
    @CsvSource({"check-config", "explain", "firewall-rules", "run"})
    void aMissingConfigFileSaysItDoesNotExist(String command) {
        String missing = dir.resolve("nope.yaml").toString();
        int exit = command.equals("check-config") ? run(command, missing)
                : command.equals("explain") ? run(command, "--config", missing, "mcr.microsoft.com")
                : run(command, "--config", missing);

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("configuration " + missing + " does not exist (expected: a YAML "
                + "file such as config/acr-egress-proxy.yaml)");
    }

    /** Every command answers --help and -h with its usage and exit 0, required options or not; so does help COMMAND. */
    @ParameterizedTest
    @CsvSource({"run", "check-config", "explain", "firewall-rules", "suggest", "hash-password"})
    void everyCommandHasHelp(String command) {
        for (String[] args : new String[][] {{command, "--help"}, {command, "-h"}, {"help", command}}) {
            out.getBuffer().setLength(0);
            err.getBuffer().setLength(0);

            assertThat(run(args)).as(String.join(" ", args)).isZero();
            assertThat(out.toString()).as(String.join(" ", args)).startsWith("Usage: acr-egress-proxy " + command);
            assertThat(err.toString()).isEmpty();
        }
        out.getBuffer().setLength(0);
        assertThat(run("help")).isZero();
        assertThat(out.toString()).contains("Commands:", "check-config", "suggest", "help");
    }

    @Test
    void checkConfigTakesTheFileAsFileOrAsConfigOption() {
        assertThat(run("check-config", "--config", config.toString())).isZero();
        assertThat(out.toString()).contains("is valid");

        assertThat(run("check-config")).isEqualTo(2);
        assertThat(err.toString()).contains("check-config: which configuration file?");
        err.getBuffer().setLength(0);
        assertThat(run("check-config", config.toString(), "--config", dir.resolve("other.yaml").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("two configuration files");
    }

    /** One problem, one line: a config error is never printed twice, whichever command reads the file. */
    @ParameterizedTest
    @CsvSource({"check-config", "explain", "firewall-rules", "run"})
    void aConfigErrorIsPrintedOnce(String command) throws IOException {
        String bad = write("plain-http.yaml", "serviceTags: {source: 'http://example.com/tags.json', tags: [AzureCloud], "
                + "allowIpLiterals: true}\n").toString();
        int exit = command.equals("check-config") ? run(command, bad)
                : command.equals("explain") ? run(command, "--config", bad, "20.1.2.3")
                : run(command, "--config", bad);

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().lines().filter(l -> l.contains("plain http URL"))).hasSize(1);
    }

    @Test
    void firewallRulesListsWhatTheProxyHostMustReach() throws IOException {
        assertThat(run("firewall-rules", "--config", config.toString(), "--format", "json")).isZero();
        JsonNode json = outJson();
        assertThat(json.get("ports").toString()).isEqualTo("[443]");
        assertThat(json.get("fqdns").findValuesAsText("fqdn"))
                .contains("myregistry.azurecr.io", "myregistry.eastus.data.azurecr.io", "azurecr.io", "mcr.microsoft.com",
                        "*.data.mcr.microsoft.com", "*.example.org");

        out.getBuffer().setLength(0);
        assertThat(run("firewall-rules", "--config", config.toString())).isZero();
        assertThat(out.toString()).startsWith("# destinations the proxy host must reach on TCP 443").contains("myregistry.azurecr.io");

        out.getBuffer().setLength(0);
        assertThat(run("firewall-rules", "--config", config.toString(), "--format", "nsg")).isZero();
        assertThat(out.toString()).contains("# no service tags are configured").doesNotContain("az network nsg rule create");
    }

    @Test
    void firewallRulesListServiceTagPrefixesAndNsgLines() throws IOException {
        write("tags.json", """
                {"changeNumber": 9, "cloud": "Public", "values": [
                  {"name": "AzureContainerRegistry.EastUS", "properties": {"addressPrefixes": ["20.42.0.0/16", "2603:1030:210::/48"]}}]}
                """);
        Path withTags = write("tags.yaml", """
                registries: [{name: myregistry}]
                serviceTags: {source: tags.json, tags: [AzureContainerRegistry.EastUS], allowIpLiterals: true}
                """);
        assertThat(run("firewall-rules", "--config", withTags.toString(), "--format", "json")).isZero();
        assertThat(outJson().get("ipPrefixes").toString()).isEqualTo("[\"20.42.0.0/16\",\"2603:1030:210::/48\"]");
        assertThat(outJson().get("serviceTags").toString()).isEqualTo("[\"AzureContainerRegistry.EastUS\"]");

        out.getBuffer().setLength(0);
        assertThat(run("firewall-rules", "--config", withTags.toString(), "--format", "nsg")).isZero();
        assertThat(out.toString()).contains("az network nsg rule create --resource-group \"$RESOURCE_GROUP\" --nsg-name \"$NSG_NAME\""
                + " --name acr-egress-proxy-AzureContainerRegistry-EastUS --priority 100 --direction Outbound --access Allow"
                + " --protocol Tcp --destination-address-prefixes AzureContainerRegistry.EastUS --destination-port-ranges 443");
    }

    @Test
    void suggestReadsStandardInputAndItsProposalPassesCheckConfig() throws IOException {
        stdin = String.join("\n",
                "{\"ts\":\"2026-12-01T08:00:00Z\",\"client\":\"10.1.0.5:5000\",\"user\":null,\"group\":\"default\","
                        + "\"target\":\"myreg.azurecr.io:443\",\"decision\":\"would_deny\",\"reason\":\"host_not_allowed\"}",
                "not json at all");

        assertThat(run("suggest", "--access-log", "-")).isZero();
        assertThat(err.toString()).contains("suggest: read 2 line(s): 1 CONNECT line(s), 1 skipped (not access-log JSON)");
        Path proposal = write("proposal.yaml", out.toString());
        out.getBuffer().setLength(0);
        assertThat(run("check-config", proposal.toString())).isZero();
        assertThat(out.toString()).contains("myreg.azurecr.io");
    }

    @Test
    void suggestSaysSoWhenThereIsNothingToProposeAndRefusesAMissingFile() {
        stdin = "";
        assertThat(run("suggest", "--access-log", "-")).isEqualTo(1);
        assertThat(err.toString()).contains("suggest: the access log is empty: nothing to propose");

        assertThat(run("suggest", "--access-log", dir.resolve("nope.log").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("suggest: " + dir.resolve("nope.log") + ": no such file");
    }

    @Test
    void hashPasswordReadsStandardInput() {
        stdin = "correct horse battery staple\n";
        assertThat(run("hash-password")).isZero();
        String hash = out.toString().trim();
        assertThat(new PasswordHash().verify(hash, "correct horse battery staple".toCharArray())).isTrue();
        assertThat(new PasswordHash().verify(hash, "wrong".toCharArray())).isFalse();
    }

    @Test
    void hashPasswordRefusesEmptyInput() {
        assertThat(run("hash-password")).isEqualTo(2);
        stdin = "\n";
        assertThat(run("hash-password")).isEqualTo(2);
    }

    @Test
    void runRefusesAnInvalidConfigBeforeListening() throws IOException {
        Path bad = write("bad.yaml", "registries: [{name: My_Reg}]\n");
        assertThat(run("run", "--config", bad.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("registries[0].name");
        assertThat(run("--config", bad.toString())).isEqualTo(2);
    }
}
