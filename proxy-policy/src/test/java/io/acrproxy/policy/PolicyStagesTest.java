package io.acrproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.DestinationRules;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.policy.servicetag.ServiceTagSelection;
import io.acrproxy.policy.servicetag.ServiceTagsParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Client, SNI (design §7), IP-literal (§6.4) and resolved-address (§6.5) decisions. */
class PolicyStagesTest {

    private static final String TAGS = """
            {"changeNumber": 7, "cloud": "Public", "values": [
              {"name": "AzureContainerRegistry.EastUS", "properties": {"addressPrefixes": ["20.42.0.0/16", "2603:1030:210::/48"]}},
              {"name": "Storage.EastUS", "properties": {"addressPrefixes": ["52.239.0.0/16"]}}
            ]}
            """;

    private static ServiceTagSelection tags(String... names) throws IOException {
        return ServiceTagsParser.parse(new ByteArrayInputStream(TAGS.getBytes(StandardCharsets.UTF_8))).select(List.of(names));
    }

    private static Policy policy(Mode mode, boolean sniRequired, ServiceTagRules tagRules) {
        return Policy.compile(PolicySpec.builder()
                .mode(mode)
                .registries(new RegistrySpec("myreg1", List.of("eastus"), List.of()))
                .sniRequired(sniRequired)
                .serviceTags(tagRules)
                .clientAllow(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8")))
                .destinations(DestinationRules.defaults().withOwnAddresses(Set.of(new InetSocketAddress(IpAddresses.parse("20.42.1.1"), 3128))))
                .build());
    }

    private static Policy plain() {
        return policy(Mode.ENFORCE, true, ServiceTagRules.NONE);
    }

    @ParameterizedTest(name = "client {0} -> {1}")
    @CsvSource({"10.1.2.3, true", "11.1.2.3, false", "fd00::5, true", "fe00::5, false", "127.0.0.1, false"})
    void clients(String address, boolean allowed) {
        Decision d = plain().decideClient(IpAddresses.parse(address));
        assertThat(d.allowed()).isEqualTo(allowed);
        if (!allowed) {
            assertThat(d.reason()).isEqualTo(Reason.CLIENT_NOT_ALLOWED);
        }
        // The client allowlist is enforced in report mode too.
        assertThat(policy(Mode.REPORT, true, ServiceTagRules.NONE).decideClient(IpAddresses.parse(address)).allowed()).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "CONNECT {0} SNI {1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            myreg1.azurecr.io:443 | myreg1.azurecr.io            | allowed
            myreg1.azurecr.io:443 | MYREG1.AzureCR.io.           | allowed
            myreg1.azurecr.io:443 | evilreg.azurecr.io           | sni_mismatch
            myreg1.azurecr.io:443 | myreg1.eastus.data.azurecr.io | sni_mismatch
            myreg1.azurecr.io:443 | null                         | sni_missing
            myreg1.azurecr.io:443 | 20.42.1.1                    | client_hello_malformed
            myreg1.azurecr.io:443 | myreg1.azurecr.io..          | client_hello_malformed
            """)
    void sniMustMatchTheConnectHost(String target, String sni, String expected) {
        Decision d = plain().decideSni(Authority.parse(target), sni == null ? null : sni.replace("\\0", "\0"));
        assertThat(d.reason().code()).isEqualTo(expected);
    }

    @Test
    void sniWithNulIsMalformed() {
        assertThat(plain().decideSni(Authority.parse("myreg1.azurecr.io:443"), "myreg1.azurecr.io\0.evil.com").reason())
                .isEqualTo(Reason.CLIENT_HELLO_MALFORMED);
    }

    @Test
    void sniOptionalWhenNotRequired() {
        Policy p = policy(Mode.ENFORCE, false, ServiceTagRules.NONE);
        assertThat(p.decideSni(Authority.parse("myreg1.azurecr.io:443"), null).allowed()).isTrue();
        assertThat(p.decideSni(Authority.parse("myreg1.azurecr.io:443"), "other.example").reason()).isEqualTo(Reason.SNI_MISMATCH);
    }

    @Test
    void reportModeRelaxesSniMismatchButNotMalformedHellos() {
        Policy p = policy(Mode.REPORT, true, ServiceTagRules.NONE);
        assertThat(p.decideSni(Authority.parse("myreg1.azurecr.io:443"), "evil.example").verdict()).isEqualTo(Verdict.WOULD_DENY);
        assertThat(p.decideSni(Authority.parse("myreg1.azurecr.io:443"), "1.2.3.4").verdict()).isEqualTo(Verdict.DENY);
    }

    @Test
    void ipLiteralsNeedTheSwitchAndATag() throws IOException {
        assertThat(plain().decide("20.42.1.2:443").reason()).isEqualTo(Reason.IP_LITERAL_NOT_ALLOWED);

        Policy p = policy(Mode.ENFORCE, true, new ServiceTagRules(tags("AzureContainerRegistry.EastUS"), true, false));
        Decision inTag = p.decide("20.42.1.2:443");
        assertThat(inTag.allowed()).isTrue();
        assertThat(inTag.rule()).isEqualTo("service tag AzureContainerRegistry.EastUS");
        assertThat(p.decide("[2603:1030:210::5]:443").allowed()).isTrue();
        assertThat(p.decide("52.239.1.1:443").reason()).isEqualTo(Reason.IP_LITERAL_NOT_ALLOWED);
        assertThat(p.decide("[2603:1030:211::5]:443").reason()).isEqualTo(Reason.IP_LITERAL_NOT_ALLOWED);
        // The proxy's own address stays refused even inside a tag.
        assertThat(p.decide("20.42.1.1:443").allowed()).isTrue();
        assertThat(p.decideResolved(Authority.parse("20.42.1.1:3128"), IpAddresses.parse("20.42.1.1")).reason()).isEqualTo(Reason.PROXY_LOOP);

        // design §6.4: then the SNI must be present and an allowed name.
        Authority ip = Authority.parse("20.42.1.2:443");
        assertThat(p.decideSni(ip, null).reason()).isEqualTo(Reason.SNI_MISSING);
        assertThat(p.decideSni(ip, "evilreg.azurecr.io").reason()).isEqualTo(Reason.SNI_MISMATCH);
        assertThat(p.decideSni(ip, "myreg1.eastus.data.azurecr.io").allowed()).isTrue();
    }

    @Test
    void destinationFilterIsEnforcedEvenInReportMode() throws IOException {
        Policy p = policy(Mode.REPORT, true, ServiceTagRules.NONE);
        Authority target = Authority.parse("myreg1.azurecr.io:443");
        assertThat(p.decideResolved(target, IpAddresses.parse("169.254.169.254")).verdict()).isEqualTo(Verdict.DENY);
        assertThat(p.decideResolved(target, IpAddresses.parse("168.63.129.16")).verdict()).isEqualTo(Verdict.DENY);
        assertThat(p.decideResolved(target, IpAddresses.parse("20.1.2.3")).allowed()).isTrue();
        // An IP literal CONNECT in report mode: the allowlist would deny, the destination filter does deny.
        assertThat(p.decide("127.0.0.1:443").verdict()).isEqualTo(Verdict.DENY);
        assertThat(p.decide("127.0.0.1:443").reason()).isEqualTo(Reason.DESTINATION_PROHIBITED);
        assertThat(p.decide("20.1.2.3:443").verdict()).isEqualTo(Verdict.WOULD_DENY);
    }

    @Test
    void verifyResolvedChecksNamesAgainstTheTags() throws IOException {
        Policy p = policy(Mode.ENFORCE, true, new ServiceTagRules(tags("AzureContainerRegistry.EastUS"), false, true));
        Authority target = Authority.parse("myreg1.azurecr.io:443");
        assertThat(p.decideResolved(target, IpAddresses.parse("20.42.7.7")).rule()).isEqualTo("service tag AzureContainerRegistry.EastUS");
        Decision outside = p.decideResolved(target, IpAddresses.parse("40.1.2.3"));
        assertThat(outside.reason()).isEqualTo(Reason.DESTINATION_PROHIBITED);
        assertThat(outside.message()).isEqualTo("myreg1.azurecr.io resolved to 40.1.2.3, which is not in the selected service tags");
        // Without verifyResolved any public address passes.
        assertThat(plain().decideResolved(target, IpAddresses.parse("40.1.2.3")).allowed()).isTrue();
        // Private Link answers are private: allowed by default, refused when allowPrivate is off.
        InetAddress privateLink = IpAddresses.parse("10.1.2.3");
        assertThat(plain().decideResolved(target, privateLink).allowed()).isTrue();
    }
}
