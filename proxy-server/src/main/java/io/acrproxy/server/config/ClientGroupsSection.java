package io.acrproxy.server.config;

import io.acrproxy.policy.BlobMode;
import io.acrproxy.policy.BlobStorageSpec;
import io.acrproxy.policy.ClientGroupSpec;
import io.acrproxy.policy.Cloud;
import io.acrproxy.policy.GroupAllowlist;
import io.acrproxy.policy.Mode;
import io.acrproxy.policy.Preset;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.ShadowedPrefix;
import io.acrproxy.policy.host.HostName;
import io.acrproxy.policy.net.Cidr;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates {@code clientGroups} (design §6.7): who is in each group, and its allowlist, checked with the same rules
 * and messages as the top-level keys of the same names. Reports what makes a group useless or ambiguous: a name used
 * twice, a user in two groups, a group that selects nobody, prefixes an earlier group takes, a group that allows
 * nothing.
 */
final class ClientGroupsSection {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    private final Checks checks;
    private final Problems problems;
    private final PolicySections policy;

    ClientGroupsSection(Checks checks, PolicySections policy) {
        this.checks = checks;
        this.problems = checks.problems();
        this.policy = policy;
    }

    /**
     * @param authUsers the names in {@code auth.users}: a group's users must be among them
     * @param clientCertificates whether the TLS port verifies client certificates ({@code listenTls.clientCaFile}):
     *                           without it {@code certificates} select nobody
     */
    List<ProxyConfig.ClientGroup> validate(List<WireConfig.ClientGroup> raw, KeyPath at, Cloud cloud,
            List<String> authUsers, boolean clientCertificates) {
        List<ProxyConfig.ClientGroup> out = new ArrayList<>();
        List<KeyPath> outAt = new ArrayList<>();
        Map<String, KeyPath> names = new HashMap<>();
        Map<String, String> groupOfUser = new HashMap<>();
        Map<String, String> groupOfCertificate = new HashMap<>();
        for (int i = 0; raw != null && i < raw.size(); i++) {
            WireConfig.ClientGroup g = raw.get(i);
            if (g == null) {
                continue;
            }
            KeyPath gAt = at.index(i);
            String name = checks.required(g.name(), gAt.key("name"), "a group name such as plant-a (lower-case letters, "
                    + "digits, - and _)", ClientGroupsSection::name);
            if (name != null) {
                KeyPath earlier = names.putIfAbsent(name, gAt);
                if (earlier != null) {
                    problems.error(gAt.key("name"), HostName.quote(name) + " is used twice, also at " + earlier
                            + " (expected: distinct group names)");
                }
            }
            List<Cidr> clients = checks.each(g.clients(), gAt.key("clients"), Cidr::parse);
            List<String> users = users(g.users(), gAt.key("users"), name, authUsers, groupOfUser);
            List<String> certificates = certificates(g.certificates(), gAt.key("certificates"), name, clientCertificates,
                    groupOfCertificate);
            if (isEmpty(g.clients()) && isEmpty(g.users()) && isEmpty(g.certificates())) {
                problems.error(gAt, "selects no client (expected: clients, users, certificates or several)");
            }
            GroupAllowlist allowlist = checks.required(g.allowlist(), gAt.key("allowlist"),
                    "replace or add: whether the group's allowlist replaces the top-level one or adds to it",
                    ClientGroupsSection::allowlist);
            List<RegistrySpec> registries = policy.registries(g.registries(), gAt.key("registries"));
            List<Path> endpointFiles = checks.each(g.endpointFiles(), gAt.key("endpointFiles"), checks::resolvePath);
            BlobStorageSpec blobStorage = g.blobStorage() == null ? null
                    : policy.blobStorage(g.blobStorage(), gAt.key("blobStorage"), cloud);
            Set<Preset> presets = policy.presets(g.presets(), gAt.key("presets"));
            List<String> iotHubs = policy.iotHubs(g.iotHubs(), gAt.key("iotHubs"), presets,
                    problems.hasErrorsWithin(gAt.key("presets")));
            List<String> extraHosts = policy.extraHosts(g.extraHosts(), gAt.key("extraHosts"), cloud);
            List<Integer> ports = g.ports() == null ? null : policy.ports(g.ports(), gAt.key("ports"));
            Mode mode = g.mode() == null ? null : policy.mode(g.mode(), gAt.key("mode"));
            if (name != null && allowlist != null && !problems.hasErrorsWithin(gAt)) {
                ProxyConfig.ClientGroup group = new ProxyConfig.ClientGroup(name, clients, users, certificates, allowlist,
                        registries,
                        endpointFiles, blobStorage, presets, iotHubs, extraHosts, ports, mode);
                warnIfItAllowsNothing(group, gAt);
                out.add(group);
                outAt.add(gAt);
            }
        }
        checkShadowing(out, outAt);
        return out;
    }

    private List<String> users(List<String> raw, KeyPath at, String group, List<String> authUsers,
            Map<String, String> groupOfUser) {
        List<String> out = new ArrayList<>();
        for (int i = 0; raw != null && i < raw.size(); i++) {
            String user = raw.get(i);
            if (user == null) {
                continue;
            }
            KeyPath uAt = at.index(i);
            if (!claim(groupOfUser, user, group, uAt, "user")) {
                continue;
            }
            if (!authUsers.isEmpty() && !authUsers.contains(user)) {
                problems.error(uAt, HostName.quote(user) + " is not a user in auth.users (expected: one of "
                        + String.join(", ", authUsers) + ")");
            } else {
                out.add(user);
            }
        }
        if (!out.isEmpty() && authUsers.isEmpty()) {
            problems.warn(at, "no client authenticates without auth.users, so users never select this group");
        }
        return out;
    }

    /**
     * Records {@code key} (a user, a certificate name) as {@code group}'s; when an earlier group has it, reports that at
     * {@code at} and returns false.
     */
    private boolean claim(Map<String, String> groupOf, String key, String group, KeyPath at, String what) {
        String other = groupOf.putIfAbsent(key, group == null ? "" : group);
        if (other != null) {
            problems.error(at, HostName.quote(key) + " is in group " + other + " already (expected: each " + what
                    + " in one group)");
            return false;
        }
        return true;
    }

    private static boolean isEmpty(List<String> list) {
        return list == null || list.isEmpty();
    }

    /**
     * {@code certificates}: identities of client certificates (design §2.4), written as host patterns are (an exact
     * name or {@code *.suffix}) and normalised the same way, since identities are; each in one group only.
     */
    private List<String> certificates(List<String> raw, KeyPath at, String group, boolean verified,
            Map<String, String> groupOfCertificate) {
        List<String> out = new ArrayList<>();
        for (int i = 0; raw != null && i < raw.size(); i++) {
            String pattern = raw.get(i) == null ? null : checks.value(raw.get(i), at.index(i), null, HostPatterns::normalise);
            if (pattern == null) {
                continue;
            }
            if (claim(groupOfCertificate, pattern, group, at.index(i), "certificate name")) {
                out.add(pattern);
            }
        }
        if (!out.isEmpty() && !verified) {
            problems.warn(at, "no client certificate is verified without listenTls.clientCaFile, so certificates never "
                    + "select this group");
        }
        return out;
    }

    /** Prefixes an earlier group takes: all of a group's, an error; some, a warning naming them. */
    private void checkShadowing(List<ProxyConfig.ClientGroup> groups, List<KeyPath> at) {
        List<ClientGroupSpec> specs = groups.stream().map(g -> ClientGroupSpec.of(g.name(), g.clients(),
                Set.copyOf(g.users()), g.allowlist())).toList();
        List<ShadowedPrefix> shadowed = ShadowedPrefix.find(specs);
        for (int i = 0; i < groups.size(); i++) {
            ProxyConfig.ClientGroup g = groups.get(i);
            List<ShadowedPrefix> mine = shadowed.stream().filter(s -> s.group().equals(g.name())).toList();
            if (mine.isEmpty()) {
                continue;
            }
            String which = String.join(", ", mine.stream().map(s -> s.prefix() + " lies inside " + s.earlierPrefix()
                    + " of group " + s.earlierGroup()).toList());
            if (mine.size() == g.clients().size()) {
                problems.error(at.get(i).key("clients"), which + ", and the first matching group wins, so no address "
                        + "selects this group (expected: put it before the wider group, or narrow that one)");
            } else {
                problems.warn(at.get(i).key("clients"), which + ", so those addresses get the earlier group");
            }
        }
    }

    private void warnIfItAllowsNothing(ProxyConfig.ClientGroup g, KeyPath at) {
        if (g.allowlist() == GroupAllowlist.REPLACE && g.registries().isEmpty() && g.endpointFiles().isEmpty()
                && g.presets().isEmpty() && g.extraHosts().isEmpty()
                && (g.blobStorage() == null || g.blobStorage().mode() == BlobMode.NONE)) {
            problems.warn(at, "allows nothing: allowlist is replace and the group lists no registries, endpointFiles, "
                    + "presets, extraHosts or blobStorage");
        }
    }

    private static String name(String text) {
        if (!NAME.matcher(text).matches() || text.equals(ClientGroupSpec.DEFAULT)) {
            throw new IllegalArgumentException(HostName.quote(text) + " is not a valid group name (expected: 1-63 "
                    + "lower-case letters, digits, - and _, starting with a letter or digit; not \"default\", which "
                    + "names the top-level policy)");
        }
        return text;
    }

    private static GroupAllowlist allowlist(String text) {
        return switch (text) {
            case "replace" -> GroupAllowlist.REPLACE;
            case "add" -> GroupAllowlist.ADD;
            default -> throw new IllegalArgumentException(HostName.quote(text) + " is not valid (expected: replace, "
                    + "the group gets only its own allowlist, or add, the top-level allowlist and its own)");
        };
    }
}
