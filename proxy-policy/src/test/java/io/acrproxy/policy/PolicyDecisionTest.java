package io.acrproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.source.EndpointSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Host and port decisions, per cloud (design §6.2, §6.3). */
class PolicyDecisionTest {

    /** myreg with data endpoints in eastus and any region's geo endpoint; apex on; blob none. */
    private static Policy registryPolicy(Cloud cloud) {
        return Policy.compile(PolicySpec.builder()
                .cloud(cloud)
                .registries(new RegistrySpec("myreg1", List.of("eastus", "westeurope"), List.of("*")),
                        new RegistrySpec("other2", List.of("*"), List.of()))
                .build());
    }

    static Stream<Arguments> perCloud() {
        return Stream.of(Cloud.values()).flatMap(cloud -> {
            String r = cloud.registrySuffix();
            String b = cloud.blobSuffix();
            return Stream.of(
                    Arguments.of(cloud, "myreg1." + r, "allow", "registry myreg1: login server"),
                    Arguments.of(cloud, "MYREG1." + r.toUpperCase() + ".", "allow", "registry myreg1: login server"),
                    Arguments.of(cloud, "myreg1.eastus.data." + r, "allow", "registry myreg1: data endpoint eastus"),
                    Arguments.of(cloud, "myreg1.westeurope.data." + r, "allow", "registry myreg1: data endpoint westeurope"),
                    Arguments.of(cloud, "myreg1.westus.data." + r, "host_not_allowed", "default deny under " + r),
                    Arguments.of(cloud, "myreg1.westus.geo." + r, "allow", "registry myreg1: geo endpoint (any region)"),
                    Arguments.of(cloud, "other2.japaneast.data." + r, "allow", "registry other2: data endpoint (any region)"),
                    Arguments.of(cloud, "other2.a.b.data." + r, "host_not_allowed", "default deny under " + r),
                    Arguments.of(cloud, "other2.eastus.geo." + r, "host_not_allowed", "default deny under " + r),
                    Arguments.of(cloud, r, "allow", "registry apex " + r),
                    Arguments.of(cloud, "evilreg." + r, "host_not_allowed", "default deny under " + r),
                    Arguments.of(cloud, "x.myreg1." + r, "host_not_allowed", "default deny under " + r),
                    Arguments.of(cloud, "myreg1.eastus.data." + r + ".evil.com", "host_not_allowed", "default deny"),
                    Arguments.of(cloud, r + ".evil.com", "host_not_allowed", "default deny"),
                    Arguments.of(cloud, "myreg1." + r + ".evil.com", "host_not_allowed", "default deny"),
                    Arguments.of(cloud, "evil" + r, "host_not_allowed", "default deny"),
                    Arguments.of(cloud, "myreg1" + r, "host_not_allowed", "default deny"),
                    Arguments.of(cloud, "myreg1.eastus.data" + r, "host_not_allowed", "default deny"),
                    Arguments.of(cloud, "eastus.data." + r, "host_not_allowed", "default deny under " + r),
                    Arguments.of(cloud, "acct." + b, "host_not_allowed", "default deny under " + b),
                    Arguments.of(cloud, cloud.mcrHost(), "host_not_allowed", "default deny"),
                    Arguments.of(cloud, "example.com", "host_not_allowed", "default deny"));
        });
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("perCloud")
    void registryEndpoints(Cloud cloud, String host, String expected, String rule) {
        Decision d = registryPolicy(cloud).decide(host + ":443");
        assertThat(expected.equals("allow") ? d.verdict().code() : d.reason().code()).isEqualTo(expected);
        assertThat(d.rule()).isEqualTo(rule);
    }

    @Test
    void denialsExplainThemselves() {
        Policy p = registryPolicy(Cloud.AZURE_CLOUD);
        assertThat(p.decide("evilreg.azurecr.io:443").message()).isEqualTo("evilreg.azurecr.io is not an allowed registry endpoint");
        assertThat(p.decide("myreg1.westus.data.azurecr.io:443").message())
                .isEqualTo("myreg1.westus.data.azurecr.io is not an allowed registry endpoint"
                        + " (registry myreg1 has dataEndpointRegions [eastus, westeurope] and regionalEndpointRegions [*])");
        assertThat(p.decide("x.blob.core.windows.net:443").message())
                .isEqualTo("x.blob.core.windows.net is not an allowed storage account (blobStorage.mode: none)");
        assertThat(p.decide("example.com:443").message()).isEqualTo("example.com is not an allowed host");
        assertThat(p.decide("example.com:8443").message()).isEqualTo("port 8443 is not allowed (allowed: 443)");
        assertThat(p.decide("example.com").reason()).isEqualTo(Reason.MALFORMED_REQUEST);
    }

    @ParameterizedTest(name = "apex {0}")
    @CsvSource({"true, allow", "false, host_not_allowed"})
    void apexSwitch(boolean apex, String expected) {
        Policy p = Policy.compile(PolicySpec.builder().registries(RegistrySpec.named("myreg1")).allowRegistryApex(apex).build());
        Decision d = p.decide("azurecr.io:443");
        assertThat(d.allowed() ? "allow" : d.reason().code()).isEqualTo(expected);
    }

    static Stream<Arguments> blobModes() {
        return Stream.of(Cloud.values()).flatMap(cloud -> {
            String b = cloud.blobSuffix();
            return Stream.of(
                    Arguments.of(cloud, BlobMode.NONE, "myacct." + b, false),
                    Arguments.of(cloud, BlobMode.ACCOUNTS, "myacct." + b, true),
                    Arguments.of(cloud, BlobMode.ACCOUNTS, "MyAcct." + b + ".", true),
                    Arguments.of(cloud, BlobMode.ACCOUNTS, "other." + b, false),
                    Arguments.of(cloud, BlobMode.ACCOUNTS, "x.myacct." + b, false),
                    Arguments.of(cloud, BlobMode.ANY, "anyone." + b, true),
                    Arguments.of(cloud, BlobMode.ANY, b, false),
                    Arguments.of(cloud, BlobMode.ANY, "a.b." + b, false),
                    Arguments.of(cloud, BlobMode.ANY, "x.file." + b.substring(5), false),
                    Arguments.of(cloud, BlobMode.ANY, "evil" + b, false));
        });
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @MethodSource("blobModes")
    void blobStorage(Cloud cloud, BlobMode mode, String host, boolean allowed) {
        Policy p = Policy.compile(PolicySpec.builder().cloud(cloud)
                .blobStorage(new BlobStorageSpec(mode, mode == BlobMode.ACCOUNTS ? List.of("myacct") : List.of()))
                .build());
        assertThat(p.decide(host + ":443").allowed()).isEqualTo(allowed);
    }

    static Stream<Arguments> presets() {
        return Stream.of(
                Arguments.of(Cloud.AZURE_CLOUD, "mcr.microsoft.com", true, "preset mcr"),
                Arguments.of(Cloud.AZURE_CLOUD, "eastus.data.mcr.microsoft.com", true, "preset mcr data endpoints"),
                Arguments.of(Cloud.AZURE_CLOUD, "a.b.data.mcr.microsoft.com", false, "default deny"),
                Arguments.of(Cloud.AZURE_CLOUD, "data.mcr.microsoft.com", false, "default deny"),
                Arguments.of(Cloud.AZURE_CLOUD, "myhub.azure-devices.net", true, "preset iot-edge: hub myhub"),
                Arguments.of(Cloud.AZURE_CLOUD, "otherhub.azure-devices.net", false, "default deny"),
                Arguments.of(Cloud.AZURE_CLOUD, "global.azure-devices-provisioning.net", true, "preset iot-edge: device provisioning"),
                Arguments.of(Cloud.AZURE_CHINA_CLOUD, "mcr.azure.cn", true, "preset mcr"),
                Arguments.of(Cloud.AZURE_CHINA_CLOUD, "chinaeast2.data.mcr.azure.cn", true, "preset mcr data endpoints"),
                Arguments.of(Cloud.AZURE_CHINA_CLOUD, "mcr.microsoft.com", false, "default deny"),
                Arguments.of(Cloud.AZURE_CHINA_CLOUD, "myhub.azure-devices.cn", true, "preset iot-edge: hub myhub"),
                Arguments.of(Cloud.AZURE_CHINA_CLOUD, "global.azure-devices-provisioning.cn", true, "preset iot-edge: device provisioning"),
                Arguments.of(Cloud.AZURE_US_GOVERNMENT, "mcr.microsoft.com", true, "preset mcr"),
                Arguments.of(Cloud.AZURE_US_GOVERNMENT, "usgovvirginia.data.mcr.microsoft.com", true, "preset mcr data endpoints"),
                Arguments.of(Cloud.AZURE_US_GOVERNMENT, "myhub.azure-devices.us", true, "preset iot-edge: hub myhub"));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("presets")
    void presetHosts(Cloud cloud, String host, boolean allowed, String rule) {
        Policy p = Policy.compile(PolicySpec.builder().cloud(cloud)
                .presets(Set.of(Preset.MCR, Preset.IOT_EDGE)).iotHubs(List.of("myhub")).build());
        Decision d = p.decide(host + ":443");
        assertThat(d.allowed()).isEqualTo(allowed);
        assertThat(d.rule()).isEqualTo(rule);
    }

    @Test
    void iotEdgeBringsMcrAlong() {
        Policy p = Policy.compile(PolicySpec.builder().presets(Set.of(Preset.IOT_EDGE)).build());
        assertThat(p.decide("mcr.microsoft.com:443").rule()).isEqualTo("preset iot-edge: mcr");
        assertThat(p.warnings()).anyMatch(w -> w.contains("without iotHubs"));
    }

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource({
            "*.example.com, a.example.com, true",
            "*.example.com, A.EXAMPLE.COM., true",
            "*.example.com, example.com, false",
            "*.example.com, a.b.example.com, false",
            "*.example.com, aexample.com, false",
            "*.example.com, a.example.com.evil.io, false",
            "exact.example.com, exact.example.com, true",
            "exact.example.com, x.exact.example.com, false",
            "exact.example.com, example.com, false",
            "Exact.Example.com., exact.example.com, true",
    })
    void extraHostsWildcardDepth(String pattern, String host, boolean allowed) {
        Policy p = Policy.compile(PolicySpec.builder().extraHosts(List.of(pattern)).build());
        assertThat(p.decide(host + ":443").allowed()).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "port {0} -> {1}")
    @CsvSource({"443, allow", "8443, port_not_allowed", "80, port_not_allowed", "5671, allow", "1, port_not_allowed"})
    void ports(int port, String expected) {
        Policy p = Policy.compile(PolicySpec.builder().registries(RegistrySpec.named("myreg1")).ports(Set.of(443, 5671)).build());
        Decision d = p.decide("myreg1.azurecr.io:" + port);
        assertThat(d.allowed() ? "allow" : d.reason().code()).isEqualTo(expected);
    }

    @Test
    void portIsCheckedBeforeHost() {
        Policy p = registryPolicy(Cloud.AZURE_CLOUD);
        assertThat(p.decide("evil.example:25").reason()).isEqualTo(Reason.PORT_NOT_ALLOWED);
    }

    @Test
    void endpointFilesAddTheirHosts() {
        EndpointSet set = new EndpointSet("ep.json", "fileReg1.azurecr.io",
                List.of("filereg1.eastus.data.azurecr.io", "filereg1.westus2.data.azurecr.io"),
                List.of("filereg1.eastus.geo.azurecr.io"));
        Policy p = Policy.compile(PolicySpec.builder().endpointSets(List.of(set)).allowRegistryApex(false).build());
        assertThat(p.decide("filereg1.azurecr.io:443").rule()).isEqualTo("endpoint file ep.json: login server");
        assertThat(p.decide("filereg1.westus2.data.azurecr.io:443").rule()).isEqualTo("endpoint file ep.json: data endpoint");
        assertThat(p.decide("filereg1.eastus.geo.azurecr.io:443").rule()).isEqualTo("endpoint file ep.json: regional endpoint");
        assertThat(p.decide("filereg1.northeurope.data.azurecr.io:443").allowed()).isFalse();
        assertThat(p.warnings()).isEmpty();
    }

    @ParameterizedTest(name = "shared storage with blob mode {0}")
    @EnumSource(BlobMode.class)
    void endpointFileWithSharedStorage(BlobMode mode) {
        EndpointSet set = new EndpointSet("ep.json", "filereg1.azurecr.io", List.of("*.blob.core.windows.net"), List.of());
        Policy p = Policy.compile(PolicySpec.builder().endpointSets(List.of(set))
                .blobStorage(new BlobStorageSpec(mode, mode == BlobMode.ACCOUNTS ? List.of("acct1") : List.of())).build());
        assertThat(p.decide("someaccount.blob.core.windows.net:443").allowed()).isEqualTo(mode == BlobMode.ANY);
        assertThat(p.warnings().stream().anyMatch(w -> w.contains("shared storage"))).isEqualTo(mode != BlobMode.ANY);
    }

    @Test
    void reportModeTurnsAllowlistDenialsIntoWouldDeny() {
        Policy p = Policy.compile(PolicySpec.builder().mode(Mode.REPORT).registries(RegistrySpec.named("myreg1")).build());
        Decision d = p.decide("evilreg.azurecr.io:443");
        assertThat(d.verdict()).isEqualTo(Verdict.WOULD_DENY);
        assertThat(d.permits()).isTrue();
        assertThat(d.reason()).isEqualTo(Reason.HOST_NOT_ALLOWED);
        assertThat(p.decide("myreg1.azurecr.io:443").verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(p.decide("myreg1.azurecr.io:8443").verdict()).isEqualTo(Verdict.WOULD_DENY);
    }

    @Test
    void versionIsStableAndTracksInputs() {
        PolicySpec a = PolicySpec.builder().registries(RegistrySpec.named("myreg1")).ports(Set.of(443, 5671, 8443)).build();
        PolicySpec b = PolicySpec.builder().registries(RegistrySpec.named("myreg1")).ports(Set.of(8443, 5671, 443)).build();
        PolicySpec c = PolicySpec.builder().registries(RegistrySpec.named("myreg2")).ports(Set.of(443, 5671, 8443)).build();
        assertThat(Policy.compile(a).version()).isEqualTo(Policy.compile(b).version()).hasSize(12);
        assertThat(Policy.compile(a).version()).isNotEqualTo(Policy.compile(c).version());
    }

    /**
     * The proxy's own sockets are known only to the running proxy (a wildcard listen address stands for every
     * interface), so they stay out of the version: check-config, explain and the running proxy print the same one.
     */
    @Test
    void theVersionDoesNotDependOnTheProxysOwnAddresses() throws Exception {
        PolicySpec file = PolicySpec.builder().registries(RegistrySpec.named("myreg1")).build();
        PolicySpec running = file.withDestinations(file.destinations().withOwnAddresses(Set.of(
                new java.net.InetSocketAddress(java.net.InetAddress.getByName("10.1.2.3"), 3128),
                new java.net.InetSocketAddress(java.net.InetAddress.getByName("127.0.0.1"), 3128))));

        assertThat(Policy.compile(running).version()).isEqualTo(Policy.compile(file).version());
        assertThat(Policy.compile(running).decideResolved(io.acrproxy.policy.host.Authority.parse("myreg1.azurecr.io:3128"),
                java.net.InetAddress.getByName("10.1.2.3")).reason()).as("yet they are refused").isEqualTo(Reason.PROXY_LOOP);
    }

    @Test
    void decisionsDoNotDependOnTheNumberOfRules() {
        // Not a timing test: a structural check that a 5,000-registry policy still decides by lookup.
        List<RegistrySpec> many = new java.util.ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            many.add(new RegistrySpec(String.format("reg%05d", i), List.of("eastus"), List.of()));
        }
        Policy p = Policy.compile(PolicySpec.builder().registries(many).build());
        assertThat(p.decide("reg04999.eastus.data.azurecr.io:443").allowed()).isTrue();
        assertThat(p.decide("reg05000.azurecr.io:443").allowed()).isFalse();
        assertThat(p.allowedHosts()).hasSize(10001);
    }
}
