package io.acrproxy.policy.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.acrproxy.policy.ClientGroupSpec;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.GroupAllowlist;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.Preset;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.host.HostMatcher.AllowedHost;
import io.acrproxy.policy.host.HostName;
import io.acrproxy.policy.host.InvalidHostException;
import io.acrproxy.policy.net.Cidr;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * The CONNECT target's grammar and host normalisation (design §4.2, §4.3) and the host rules (§6.3) under hostile
 * input. Properties: parsing either refuses with {@link InvalidHostException} or gives an authority that parses back
 * to itself (normalisation is idempotent); and the policy allows a target only when a naive reference matcher over
 * the policy's own listed patterns does too (and the other way round) — for the top-level policy and for a client
 * group.
 */
class AuthorityFuzzTest {
    private static final Policy POLICY = Policy.compile(PolicySpec.builder()
            .registries(new RegistrySpec("myregistry", List.of("eastus"), List.of("*")), RegistrySpec.named("other1"))
            .presets(Set.of(Preset.MCR))
            .extraHosts(List.of("*.example.org", "exact.example.com"))
            .ports(Set.of(443, 8443))
            .clientGroups(ClientGroupSpec.of("plant-a", List.of(Cidr.parse("10.1.0.0/16")), Set.of(), GroupAllowlist.REPLACE)
                    .withRegistries(RegistrySpec.named("plantareg")).withExtraHosts("*.plant.example"))
            .build());

    @FuzzTest(maxDuration = "10m")
    void targetsParseToThemselvesAndAreAllowedOnlyByAListedPattern(byte[] input) throws Exception {
        String target = new String(input, StandardCharsets.ISO_8859_1);
        Authority parsed;
        try {
            parsed = Authority.parse(target);
        } catch (InvalidHostException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(Authority.parse(parsed.toString())).as("re-normalises to itself").isEqualTo(parsed);
        if (!parsed.isIpLiteral()) {
            assertThat(HostName.normalise(parsed.host().text())).isEqualTo(parsed.host().text());
        }
        check(POLICY.select(null, null).decide(parsed), parsed, POLICY.allowedHosts(), Set.of(443, 8443));
        var group = POLICY.select(InetAddress.getByName("10.1.2.3"), null);
        check(group.decide(parsed), parsed, group.allowedHosts(), Set.of(443));
    }

    private static void check(Decision decision, Authority target, List<AllowedHost> patterns, Set<Integer> ports) {
        boolean reference = ports.contains(target.port()) && !target.isIpLiteral()
                && patterns.stream().anyMatch(p -> matches(p.pattern(), target.host().text()));
        assertThat(decision.allowed()).as("%s against the listed patterns", target).isEqualTo(reference);
    }

    /** design §6.3, written the slow and obvious way: exact, "*.suffix" (one label), "first.*.rest" (one label). */
    static boolean matches(String pattern, String host) {
        String[] p = pattern.split("\\.", -1);
        String[] h = host.split("\\.", -1);
        if (p[0].equals("*")) {
            return h.length == p.length && !h[0].isEmpty() && String.join(".", List.of(h).subList(1, h.length))
                    .equals(String.join(".", List.of(p).subList(1, p.length)));
        }
        if (p.length > 2 && p[1].equals("*")) {
            return h.length == p.length && h[0].equals(p[0]) && !h[1].isEmpty()
                    && String.join(".", List.of(h).subList(2, h.length)).equals(String.join(".", List.of(p).subList(2, p.length)));
        }
        return pattern.equals(host);
    }
}
