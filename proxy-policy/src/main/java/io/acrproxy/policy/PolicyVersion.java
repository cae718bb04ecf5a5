package io.acrproxy.policy;

import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.servicetag.ServiceTagSelection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The policy version: a hash of every input from the configuration and the files it names (design §6.1), so that
 * two proxies with the same files report the same version and an access-log line can be tied to the rules that
 * decided it. The proxy's own listening sockets are left out: only the running proxy knows them (a wildcard listen
 * address means every interface), and check-config must print the version the running proxy will report.
 */
final class PolicyVersion {
    private PolicyVersion() {
    }

    static String of(PolicySpec spec) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
        // Sets are sorted: Set.copyOf iterates in a per-JVM random order.
        String canonical = String.join("\n",
                "cloud=" + spec.cloud(),
                "mode=" + spec.mode(),
                "registries=" + spec.registries(),
                "endpoints=" + spec.endpointSets(),
                "apex=" + spec.allowRegistryApex(),
                "blob=" + spec.blobStorage(),
                "presets=" + sorted(spec.presets()),
                "iotHubs=" + spec.iotHubs(),
                "extraHosts=" + spec.extraHosts(),
                "ports=" + sorted(spec.ports()),
                "sniRequired=" + spec.sniRequired(),
                "allowIpLiterals=" + spec.serviceTags().allowIpLiterals(),
                "verifyResolved=" + spec.serviceTags().verifyResolved(),
                "denyRanges=" + cidrs(spec.destinations().denyRanges()),
                "allowPrivate=" + spec.destinations().allowPrivate(),
                "clients=" + cidrs(spec.clientAllow()));
        sha.update(canonical.getBytes(StandardCharsets.UTF_8));
        // Only when there are groups, so that a config without them keeps the version it had before groups existed.
        for (ClientGroupSpec g : spec.clientGroups()) {
            // certificates= only when the group has some: groups from before certificates keep their version.
            sha.update(("\ngroup=" + g.name() + " clients=" + cidrs(g.clients()) + " users=" + sorted(g.users())
                    + (g.certificates().isEmpty() ? "" : " certificates=" + sorted(g.certificates()))
                    + " allowlist=" + g.allowlist() + " registries=" + g.registries() + " endpoints=" + g.endpointSets()
                    + " blob=" + g.blobStorage() + " presets=" + sorted(g.presets()) + " iotHubs=" + g.iotHubs()
                    + " extraHosts=" + g.extraHosts() + " ports=" + (g.ports() == null ? "inherit" : sorted(g.ports()))
                    + " mode=" + g.mode()).getBytes(StandardCharsets.UTF_8));
        }
        ServiceTagSelection tags = spec.serviceTags().selection();
        if (tags != null) {
            sha.update(("\ntags=" + tags.names() + " change=" + tags.changeNumber() + " cloud=" + tags.cloud())
                    .getBytes(StandardCharsets.UTF_8));
            for (Cidr c : tags.prefixes()) {
                sha.update(c.toString().getBytes(StandardCharsets.US_ASCII));
                sha.update((byte) ',');
            }
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 6);
    }

    private static String cidrs(List<Cidr> list) {
        return list.stream().map(Cidr::toString).collect(Collectors.joining(","));
    }

    private static String sorted(Set<?> set) {
        return new TreeSet<>(set.stream().map(String::valueOf).toList()).toString();
    }
}
