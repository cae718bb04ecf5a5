package io.acrproxy.server.cli;

import io.acrproxy.policy.Policy;
import io.acrproxy.policy.host.HostMatcher.AllowedHost;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.servicetag.ServiceTagSelection;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * What the proxy host itself must be allowed to reach, derived from the policy: the destination FQDNs
 * (with the rule that needs each), the ports, and the IP prefixes of the selected service tags.
 *
 * @param ports    destination ports
 * @param fqdns    names and wildcard patterns
 * @param tags     selected service-tag names (an NSG can use these directly)
 * @param prefixes their address prefixes
 * @param notes    things a firewall may not express as the proxy does
 */
record FirewallRules(List<Integer> ports, List<Fqdn> fqdns, List<String> tags, List<String> prefixes, List<String> notes) {

    record Fqdn(String fqdn, String rule) {
    }

    static FirewallRules of(EffectivePolicy loaded) {
        Policy policy = loaded.policy();
        List<Fqdn> fqdns = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        // Every group's hosts too: the proxy host's firewall must let through what any group may reach.
        java.util.Set<String> seen = new java.util.HashSet<>();
        List<AllowedHost> all = new ArrayList<>(policy.allowedHosts());
        policy.groups().forEach(g -> g.allowedHosts().forEach(h -> all.add(new AllowedHost(h.pattern(),
                "clientGroups[" + g.name() + "]: " + h.rule()))));
        for (AllowedHost h : all) {
            if (!seen.add(h.pattern())) {
                continue;
            }
            fqdns.add(new Fqdn(h.pattern(), h.rule()));
            if (h.pattern().indexOf('*') > 0) {
                notes.add(h.pattern() + ": most firewalls accept only a leading wildcard; *" + h.pattern().substring(h.pattern().indexOf('*') + 1)
                        + " is broader (every registry's endpoints): prefer listing the regions");
            }
        }
        String source = loaded.serviceTagsSource();
        if (source != null && source.toLowerCase(Locale.ROOT).startsWith("https://")) {
            String host = URI.create(source).getHost();
            if (host != null) {
                fqdns.add(new Fqdn(host, "serviceTags.source"));
            }
        }
        ServiceTagSelection tags = policy.serviceTags();
        List<String> tagNames = tags == null ? List.of() : tags.names();
        List<String> prefixes = tags == null ? List.of() : tags.prefixes().stream().map(Cidr::toString).toList();
        if (tags != null && !policy.spec().serviceTags().allowIpLiterals() && !policy.spec().serviceTags().verifyResolved()) {
            notes.add("service tags are selected but neither allowIpLiterals nor verifyResolved is on: the prefixes are listed for reference");
        }
        notes.add("the proxy host also needs DNS (UDP and TCP 53) to its resolver");
        return new FirewallRules(List.copyOf(new TreeSet<>(policy.spec().ports())), fqdns, tagNames, prefixes, notes);
    }
}
