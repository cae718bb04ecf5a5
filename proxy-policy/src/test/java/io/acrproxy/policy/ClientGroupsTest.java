package io.acrproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.net.Cidr;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Client groups (design §6.7): which group a connection gets, and what each group's allowlist and mode decide. */
class ClientGroupsTest {
    private static final RegistrySpec TOP = new RegistrySpec("toplevelreg", List.of(), List.of());
    private static final RegistrySpec PLANT_A = new RegistrySpec("plantareg", List.of("westeurope"), List.of());
    private static final RegistrySpec PLANT_B = new RegistrySpec("plantbreg", List.of(), List.of());

    private static List<Cidr> cidrs(String... text) {
        return java.util.Arrays.stream(text).map(Cidr::parse).toList();
    }

    private static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    private static Policy policy(ClientGroupSpec... groups) {
        return Policy.compile(PolicySpec.builder().registries(TOP).clientGroups(groups).build());
    }

    private static final ClientGroupSpec A = ClientGroupSpec.of("plant-a", cidrs("10.1.0.0/16", "fd00:a::/32"),
            Set.of("edge-a"), GroupAllowlist.REPLACE).withRegistries(PLANT_A);
    private static final ClientGroupSpec B = ClientGroupSpec.of("plant-b", cidrs("10.2.0.0/16"), Set.of("edge-b"),
            GroupAllowlist.REPLACE).withRegistries(PLANT_B);
    private static final ClientGroupSpec BUILD = ClientGroupSpec.of("build", cidrs("10.0.0.0/8"), Set.of(),
            GroupAllowlist.ADD).withExtraHosts("mcr.microsoft.com");

    @ParameterizedTest(name = "{0} as {1} -> {2}")
    @CsvSource(nullValues = "-", value = {
            "10.1.2.3, -, plant-a",
            "10.2.2.3, -, plant-b",
            "10.9.9.9, -, build",              // the later, wider prefix takes what the earlier ones leave
            "192.168.1.1, -, default",
            "192.168.1.1, edge-b, plant-b",    // by user alone
            "10.1.2.3, edge-b, plant-a",       // the first group in file order that matches either wins
            "10.2.2.3, edge-a, plant-a",
            "10.9.9.9, edge-b, plant-b",       // plant-b (by user) comes before build (by address)
            "192.168.1.1, nobody, default",
            "fd00:a::1, -, plant-a",
            "fd00:b::1, -, default",
            "::ffff:10.1.2.3, -, plant-a",     // an IPv4-mapped IPv6 address is the IPv4 address (the JDK's view)
    })
    void theFirstGroupThatNamesTheAddressOrTheUserWins(String client, String user, String group) throws Exception {
        Policy p = policy(A, B, BUILD);

        assertThat(p.select(ip(client), user).name()).isEqualTo(group);
    }

    /** Client certificates on the TLS port (design §2.4): exact names and one-label wildcards, first group wins. */
    @ParameterizedTest(name = "{0} with {1} -> {2}")
    @CsvSource(nullValues = "-", value = {
            "192.168.1.1, device1.plant-a.devices.contoso.com, plant-a",
            "192.168.1.1, gateway.plant-b.devices.contoso.com, plant-b",
            "192.168.1.1, other.plant-b.devices.contoso.com, default",    // plant-b lists one exact name
            "192.168.1.1, a.b.plant-a.devices.contoso.com, default",      // * is one label, not several
            "192.168.1.1, plant-a.devices.contoso.com, default",          // nor none
            "192.168.1.1, device1.plant-a.devices.contoso.com.evil, default",
            "10.2.2.3, device1.plant-a.devices.contoso.com, plant-a",     // plant-a comes before plant-b (by address)
            "10.1.2.3, gateway.plant-b.devices.contoso.com, plant-a",
            "10.9.9.9, gateway.plant-b.devices.contoso.com, plant-b",     // plant-b comes before build
            "192.168.1.1, -, default",
    })
    void aClientCertificateSelectsItsGroupAsAnAddressOrAUserDoes(String client, String certificate, String group)
            throws Exception {
        Policy p = policy(A.withCertificates("*.plant-a.devices.contoso.com"),
                B.withCertificates("gateway.plant-b.devices.contoso.com"), BUILD);

        assertThat(p.select(ip(client), null, certificate).name()).isEqualTo(group);
    }

    @Test
    void certificatesChangeTheVersionOnlyWhenAGroupHasSome() {
        assertThat(policy(A.withCertificates()).version()).isEqualTo(policy(A).version());
        assertThat(policy(A.withCertificates("*.plant-a.devices.contoso.com")).version()).isNotEqualTo(policy(A).version());
    }

    @Test
    void withoutGroupsEveryoneGetsTheTopLevelPolicyAndItsVersionIsUnchanged() throws Exception {
        PolicySpec spec = PolicySpec.builder().registries(TOP).build();
        Policy p = Policy.compile(spec);

        assertThat(p.select(ip("10.1.2.3"), "edge-a")).isSameAs(p.defaultGroup());
        assertThat(p.defaultGroup().name()).isEqualTo("default");
        assertThat(p.groups()).isEmpty();
        // The version hashes the groups only when there are some: existing configs keep their version.
        assertThat(Policy.compile(PolicySpec.builder().registries(TOP).clientGroups(List.of()).build()).version())
                .isEqualTo(p.version());
        assertThat(policy(A).version()).isNotEqualTo(p.version());
    }

    @Test
    void replaceGivesTheGroupOnlyItsOwnAllowlistAndAddGivesItBoth() throws Exception {
        Policy p = policy(A, B, BUILD);
        GroupPolicy a = p.group("plant-a");
        GroupPolicy build = p.group("build");

        assertThat(a.decide(Authority.parse("plantareg.azurecr.io:443")).allowed()).isTrue();
        assertThat(a.decide(Authority.parse("plantareg.westeurope.data.azurecr.io:443")).allowed()).isTrue();
        Decision other = a.decide(Authority.parse("plantbreg.azurecr.io:443"));
        assertThat(other.reason()).isEqualTo(Reason.HOST_NOT_ALLOWED);
        assertThat(other.message()).isEqualTo("plantbreg.azurecr.io is not an allowed registry endpoint");
        assertThat(a.decide(Authority.parse("toplevelreg.azurecr.io:443")).allowed()).as("replace").isFalse();

        assertThat(build.decide(Authority.parse("toplevelreg.azurecr.io:443")).allowed()).as("add").isTrue();
        assertThat(build.decide(Authority.parse("mcr.microsoft.com:443")).allowed()).isTrue();
        assertThat(p.defaultGroup().decide(Authority.parse("mcr.microsoft.com:443")).allowed()).isFalse();
        assertThat(p.decide(Authority.parse("plantareg.azurecr.io:443")).allowed()).as("top level").isFalse();
    }

    @Test
    void portsReplaceOrAddLikeTheHostsAndModeIsTheGroupsOwn() {
        ClientGroupSpec replace = ClientGroupSpec.of("r", cidrs("10.1.0.0/16"), Set.of(), GroupAllowlist.REPLACE)
                .withRegistries(TOP).withPorts(8443);
        ClientGroupSpec add = ClientGroupSpec.of("a", cidrs("10.2.0.0/16"), Set.of(), GroupAllowlist.ADD).withPorts(8443)
                .withMode(Mode.REPORT);
        ClientGroupSpec plain = ClientGroupSpec.of("p", cidrs("10.3.0.0/16"), Set.of(), GroupAllowlist.REPLACE)
                .withRegistries(TOP);
        Policy p = policy(replace, add, plain);

        assertThat(p.group("r").ports()).containsExactly(8443);
        assertThat(p.group("a").ports()).containsExactly(443, 8443);
        assertThat(p.group("p").ports()).as("replace without ports: the default, 443").containsExactly(443);
        assertThat(p.group("a").mode()).isEqualTo(Mode.REPORT);
        assertThat(p.group("r").mode()).isEqualTo(Mode.ENFORCE);
        Decision wouldDeny = p.group("a").decide(Authority.parse("evilreg.azurecr.io:443"));
        assertThat(wouldDeny.verdict()).isEqualTo(Verdict.WOULD_DENY);
        assertThat(p.group("r").decide(Authority.parse("evilreg.azurecr.io:443")).verdict()).isEqualTo(Verdict.DENY);
    }

    @Test
    void aReportModeGroupStillGetsTheDestinationFilterAndTheServerNameCheck() throws Exception {
        Policy p = policy(ClientGroupSpec.of("learn", cidrs("10.1.0.0/16"), Set.of(), GroupAllowlist.REPLACE)
                .withMode(Mode.REPORT));
        GroupPolicy learn = p.group("learn");
        Authority target = Authority.parse("anything.example.org:443");

        assertThat(learn.decide(target).verdict()).isEqualTo(Verdict.WOULD_DENY);
        assertThat(learn.decideResolved(target, ip("169.254.169.254")).verdict()).isEqualTo(Verdict.DENY);
        assertThat(learn.decideSni(target, "other.example.org").verdict()).isEqualTo(Verdict.WOULD_DENY);
        assertThat(learn.decideSni(target, "other.example.org").reason()).isEqualTo(Reason.SNI_MISMATCH);
    }

    @Test
    void unusableGroupsAreProblemsNamingTheGroup() {
        ClientGroupSpec nothing = ClientGroupSpec.of("empty", List.of(), Set.of(), GroupAllowlist.REPLACE);
        ClientGroupSpec twice = ClientGroupSpec.of("plant-a", cidrs("10.7.0.0/16"), Set.of(), GroupAllowlist.REPLACE);
        ClientGroupSpec sameUser = ClientGroupSpec.of("other", List.of(), Set.of("edge-a"), GroupAllowlist.REPLACE);
        ClientGroupSpec shadowed = ClientGroupSpec.of("inner", cidrs("10.1.2.0/24", "10.1.3.0/24"), Set.of(),
                GroupAllowlist.REPLACE);
        ClientGroupSpec reserved = ClientGroupSpec.of("default", cidrs("10.8.0.0/16"), Set.of(), GroupAllowlist.REPLACE);

        assertThatThrownBy(() -> policy(A, nothing, twice, sameUser, shadowed, reserved))
                .isInstanceOf(PolicyCompileException.class)
                .hasMessageContaining("clientGroups[empty]: selects no client (expected: clients, users, certificates or several)")
                .hasMessageContaining("clientGroups[plant-a]: the name is used twice")
                .hasMessageContaining("clientGroups[other]: user \"edge-a\" is in group plant-a already")
                .hasMessageContaining("clientGroups[inner]: every prefix in clients lies inside an earlier group's "
                        + "(10.1.2.0/24 in plant-a's 10.1.0.0/16, 10.1.3.0/24 in plant-a's 10.1.0.0/16), so clients never select it")
                .hasMessageContaining("clientGroups[default]: \"default\" is not a valid group name");
    }

    @Test
    void aPartlyShadowedGroupIsListedButCompiles() {
        ClientGroupSpec partly = ClientGroupSpec.of("partly", cidrs("10.1.2.0/24", "10.5.0.0/16"), Set.of(),
                GroupAllowlist.REPLACE);
        Policy p = policy(A, partly);

        assertThat(p.shadowedClients()).singleElement().satisfies(s -> {
            assertThat(s.group()).isEqualTo("partly");
            assertThat(s.prefix()).hasToString("10.1.2.0/24");
            assertThat(s.earlierGroup()).isEqualTo("plant-a");
        });
    }

    @Test
    void aGroupThatRepeatsTheTopLevelsProblemsDoesNotSayThemAgain() {
        PolicySpec spec = PolicySpec.builder().presets(Set.of(Preset.IOT_EDGE))
                .clientGroups(ClientGroupSpec.of("g", cidrs("10.1.0.0/16"), Set.of(), GroupAllowlist.ADD)).build();

        assertThat(Policy.compile(spec).warnings()).containsExactly(
                "preset iot-edge without iotHubs: only device provisioning and MCR are allowed");
    }
}
