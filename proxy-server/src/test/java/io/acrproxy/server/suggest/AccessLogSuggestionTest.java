package io.acrproxy.server.suggest;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.Cloud;
import io.acrproxy.policy.GroupPolicy;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.server.config.LoadedPolicy;
import io.acrproxy.server.config.PolicySpecs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code suggest} on hand-made access logs: what it proposes, what it never does, and that the proposal loads. */
class AccessLogSuggestionTest {
    @TempDir
    Path dir;

    private static String line(String ts, String client, String user, String group, String target, String decision,
                               String reason) {
        return "{\"ts\":\"" + ts + "\",\"client\":\"" + client + "\",\"user\":" + (user == null ? "null" : "\"" + user + "\"")
                + (group == null ? "" : ",\"group\":\"" + group + "\"") + ",\"method\":\"CONNECT\",\"target\":\"" + target
                + "\",\"sni\":null,\"decision\":\"" + decision + "\",\"reason\":\"" + reason + "\",\"rule\":\"x\","
                + "\"upstream\":null,\"bytes_up\":0,\"bytes_down\":0,\"duration_ms\":1,\"policy_version\":\"abc\"}";
    }

    private static AccessLogSuggestion.Source source(String name, byte[] bytes) {
        return new AccessLogSuggestion.Source() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(bytes);
            }
        };
    }

    private static AccessLogSuggestion suggest(String... lines) throws IOException {
        return AccessLogSuggestion.of(List.of(source("log", String.join("\n", lines).getBytes(StandardCharsets.UTF_8))),
                Cloud.AZURE_CLOUD);
    }

    private Policy load(String yaml) throws Exception {
        LoadedPolicy loaded = PolicySpecs.load(yaml, dir);
        return Policy.compile(loaded.spec());
    }

    /** A well-formed hash (of no known password): the config only needs the user to exist. */
    private static final String HASH = "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    private static final String T1 = "2026-12-01T08:00:00Z";
    private static final String T2 = "2026-12-02T17:30:00Z";

    @Test
    void aReportModeRunBecomesTheAllowlistThatLetsTheSameTunnelsThroughAndNothingElse() throws Exception {
        AccessLogSuggestion s = suggest(
                line(T1, "10.1.0.5:50000", null, "default", "myreg.azurecr.io:443", "would_deny", "host_not_allowed"),
                line(T2, "10.1.0.5:50001", null, "default", "myreg.azurecr.io:443", "would_deny", "host_not_allowed"),
                line(T1, "10.1.0.5:50002", null, "default", "myreg.westeurope.data.azurecr.io:443", "would_deny", "host_not_allowed"),
                line(T1, "10.1.0.6:50003", null, "default", "legacystore.blob.core.windows.net:443", "would_deny", "host_not_allowed"),
                line(T1, "10.1.0.6:50004", null, "default", "mcr.microsoft.com:443", "allow", "allowed"),
                line(T1, "10.1.0.6:50005", null, "default", "eastus.data.mcr.microsoft.com:443", "allow", "allowed"),
                line(T1, "10.1.0.6:50006", null, "default", "packages.example.org:8443", "would_deny", "port_not_allowed"),
                // never proposed: the destination filter, a fronting attempt, a failure, an IP address, a denial
                line(T1, "10.1.0.7:50007", null, "default", "metadata.example.org:443", "deny", "destination_prohibited"),
                line(T1, "10.1.0.7:50008", null, "default", "front.example.org:443", "would_deny", "sni_mismatch"),
                line(T1, "10.1.0.7:50009", null, "default", "gone.example.org:443", "error", "dns_error"),
                line(T1, "10.1.0.7:50010", null, "default", "20.1.2.3:443", "would_deny", "ip_literal_not_allowed"),
                line(T1, "10.1.0.7:50011", null, "default", "evilreg.azurecr.io:443", "deny", "host_not_allowed"));

        assertThat(s.entries()).isEqualTo(12);
        assertThat(s.yaml())
                .contains("  - {name: myreg, dataEndpointRegions: [westeurope]}")
                .contains("  # myreg: login server: 2 tunnels, " + T1 + " .. " + T2)
                .contains("blobStorage: {mode: accounts, accounts: [legacystore]}")
                .contains("presets: [mcr]")
                .contains("extraHosts: [packages.example.org]")
                .contains("ports: [443, 8443]")
                .contains("#   metadata.example.org:443 (deny: destination_prohibited): 1 tunnel, " + T1)
                .doesNotContain("- front.example.org", "extraHosts: [front", "gone.example.org]", "evilreg]",
                        "{name: evilreg");
        Policy p = load(s.yaml());
        GroupPolicy g = p.defaultGroup();
        for (String allowed : List.of("myreg.azurecr.io:443", "myreg.westeurope.data.azurecr.io:443",
                "legacystore.blob.core.windows.net:443", "mcr.microsoft.com:443", "packages.example.org:8443")) {
            assertThat(g.decide(Authority.parse(allowed)).allowed()).as(allowed).isTrue();
        }
        for (String refused : List.of("evilreg.azurecr.io:443", "myreg.eastus.data.azurecr.io:443",
                "otherstore.blob.core.windows.net:443", "front.example.org:443", "metadata.example.org:443")) {
            assertThat(g.decide(Authority.parse(refused)).allowed()).as(refused).isFalse();
        }
    }

    @Test
    void eachGroupGetsItsOwnProposalWithItsUsersOrItsClients() throws Exception {
        AccessLogSuggestion s = suggest(
                line(T1, "10.1.0.5:1", "edge-a", "plant-a", "plantareg.azurecr.io:443", "would_deny", "host_not_allowed"),
                line(T1, "10.2.0.5:1", null, "plant-b", "plantbreg.azurecr.io:443", "allow", "allowed"),
                line(T1, "10.2.0.6:1", null, "plant-b", "plantbreg.azurecr.io:443", "allow", "allowed"),
                line(T1, "10.9.0.1:1", null, "default", "corpreg.azurecr.io:443", "allow", "allowed"));

        assertThat(s.yaml()).contains("""
                clientGroups:
                  # plant-a: 1 proposable tunnel(s)
                  - name: plant-a
                """).contains("    users: ['edge-a']").contains("    clients: [10.2.0.5/32, 10.2.0.6/32]");
        Policy p = load("auth: {users: [{name: edge-a, passwordHash: '" + HASH
                + "'}]}\n" + s.yaml());
        assertThat(p.select(InetAddress.getByName("192.168.0.1"), "edge-a").decide(Authority.parse("plantareg.azurecr.io:443"))
                .allowed()).isTrue();
        assertThat(p.select(InetAddress.getByName("10.2.0.6"), null).decide(Authority.parse("plantareg.azurecr.io:443"))
                .allowed()).isFalse();
        assertThat(p.select(InetAddress.getByName("10.9.9.9"), null).decide(Authority.parse("corpreg.azurecr.io:443"))
                .allowed()).isTrue();
    }

    @Test
    void linesThatAreNotAccessLogJsonAreSkippedAndCountedAndGzipIsRead() throws Exception {
        String log = String.join("\n", "2026-12-01 08:00:00 INFO something else", "{\"not\":\"ours\"}", "{truncated",
                line(T1, "10.1.0.5:1", null, null, "myreg.azurecr.io:443", "allow", "allowed"), "");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(log.getBytes(StandardCharsets.UTF_8));
        }

        AccessLogSuggestion s = AccessLogSuggestion.of(List.of(source("log.gz", gz.toByteArray())), Cloud.AZURE_CLOUD);

        assertThat(s.lines()).isEqualTo(4);
        assertThat(s.skipped()).isEqualTo(3);
        assertThat(s.yaml()).contains("  - {name: myreg}").contains("(4 lines read, 3 skipped: not access-log JSON)");
    }

    /** A line past the bound is dropped whole, never held: the lines around it still count, CRLF endings too. */
    @Test
    void anOverLongLineIsSkippedWithoutBeingHeld() throws Exception {
        // a valid entry, were it read: proposing hugereg would mean the line was held whole
        String huge = line(T1, "10.1.0.5:1", null, null, "hugereg.azurecr.io:443", "allow", "allowed")
                .replace("\"rule\":\"x\"", "\"rule\":\"" + "x".repeat(AccessLogReader.MAX_LINE_CHARS * 4) + "\"");
        String exactlyAtBound = line(T1, "10.1.0.5:1", null, null, "otherreg.azurecr.io:443", "allow", "allowed");
        exactlyAtBound = exactlyAtBound + " ".repeat(AccessLogReader.MAX_LINE_CHARS - exactlyAtBound.length());

        AccessLogSuggestion s = suggest(line(T1, "10.1.0.5:1", null, null, "myreg.azurecr.io:443", "allow", "allowed") + "\r",
                huge, exactlyAtBound, huge);

        assertThat(s.lines()).isEqualTo(4);
        assertThat(s.skipped()).isEqualTo(2);
        assertThat(s.yaml()).contains("  - {name: myreg}").contains("  - {name: otherreg}").doesNotContain("hugereg");
    }

    @Test
    void anEmptyLogProposesNothing() throws Exception {
        AccessLogSuggestion s = suggest();

        assertThat(s.yaml()).isNull();
        assertThat(s.lines()).isZero();
    }
}
