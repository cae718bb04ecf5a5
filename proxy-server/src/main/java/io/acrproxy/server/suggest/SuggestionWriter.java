package io.acrproxy.server.suggest;

import io.acrproxy.policy.ClientGroupSpec;
import io.acrproxy.policy.Cloud;
import io.acrproxy.policy.net.IpAddresses;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link ConfigSuggester}'s proposal as a config file: the allowlist keys of the top level and a
 * {@code clientGroups} entry per group seen, each proposal with its evidence (how many tunnels, first and last seen) as a
 * comment above it. Everything else keeps its default, so the text loads as it is; an operator adds {@code listen},
 * {@code auth}, {@code resolver} and the rest. Names and hosts in it passed the policy's own grammar on their way in;
 * user names, which may hold anything, are quoted.
 */
final class SuggestionWriter {
    private final StringBuilder out = new StringBuilder();

    static String write(ConfigSuggester s, long lines, long skipped) {
        return new SuggestionWriter().render(s, lines, skipped);
    }

    private String render(ConfigSuggester s, long lines, long skipped) {
        line("# Proposed by acr-egress-proxy suggest from " + s.entries() + " CONNECT lines of the access log ("
                + lines + " lines read, " + skipped + " skipped: not access-log JSON), " + s.first() + " .. " + s.last() + ".");
        line("# Proposed: what was allowed, and what report mode let through but enforce mode would refuse for not being");
        line("# listed. Never proposed: refusals for any other reason (destination filter, malformed requests, server");
        line("# names that do not match), IP addresses, and anything no tunnel used. Review it; mode is left at its default,");
        line("# enforce. Add listen, auth, resolver and the rest of your config around it.");
        if (s.cloud() != Cloud.AZURE_CLOUD) {
            line("cloud: " + s.cloud().configName());
        }
        GroupEvidence top = s.groups().get(ClientGroupSpec.DEFAULT);
        if (top.proposesAnything()) {
            allowlist(top, "");
        } else {
            line("# Clients outside every group: nothing to propose.");
        }
        notProposed(top, "");
        List<GroupEvidence> groups = new ArrayList<>();
        s.groups().forEach((name, g) -> {
            if (!name.equals(ClientGroupSpec.DEFAULT)) {
                groups.add(g);
            }
        });
        if (!groups.isEmpty()) {
            line("clientGroups:");
            for (GroupEvidence g : groups) {
                group(g);
            }
        }
        return out.toString();
    }

    private void group(GroupEvidence g) {
        line("  # " + g.name + ": " + g.proposedTunnels + " proposable tunnel(s)");
        line("  - name: " + g.name);
        if (!g.users.isEmpty()) {
            line("    # the group's users in the log; the proxy picks the group by user (and by clients, when you add them)");
            line("    users: " + list(g.users.keySet().stream().map(SuggestionWriter::quoted).toList()));
        } else if (!g.clients.isEmpty()) {
            line("    # the group's client addresses in the log; widen them to the group's subnet");
            line("    clients: " + list(g.clients.keySet().stream().map(SuggestionWriter::hostPrefix)
                    .filter(java.util.Objects::nonNull).toList()));
        } else {
            line("    # no user or client address in the log: name the group's clients or users here");
            line("    clients: []");
        }
        line("    allowlist: replace");
        if (g.proposesAnything()) {
            allowlist(g, "    ");
        } else {
            line("    # nothing to propose for this group");
        }
        notProposed(g, "    ");
    }

    private void allowlist(GroupEvidence g, String indent) {
        if (!g.registries.isEmpty()) {
            line(indent + "registries:");
            g.registries.forEach((name, r) -> {
                if (r.loginServer.count() > 0) {
                    line(indent + "  # " + name + ": login server: " + r.loginServer.comment());
                }
                r.dataRegions.forEach((region, e) -> line(indent + "  #   data endpoint " + region + ": " + e.comment()));
                r.geoRegions.forEach((region, e) -> line(indent + "  #   geo endpoint " + region + ": " + e.comment()));
                StringBuilder entry = new StringBuilder(indent + "  - {name: " + name);
                if (!r.dataRegions.isEmpty()) {
                    entry.append(", dataEndpointRegions: ").append(list(r.dataRegions.keySet()));
                }
                if (!r.geoRegions.isEmpty()) {
                    entry.append(", regionalEndpointRegions: ").append(list(r.geoRegions.keySet()));
                }
                line(entry.append("}").toString());
            });
        }
        if (!g.storageAccounts.isEmpty()) {
            line(indent + "# Storage accounts: anyone can create one, so keep only your registries' own.");
            comments(indent, g.storageAccounts);
            line(indent + "blobStorage: {mode: accounts, accounts: " + list(g.storageAccounts.keySet()) + "}");
        }
        List<String> presets = new ArrayList<>();
        if (g.mcr.count() > 0) {
            line(indent + "# mcr: " + g.mcr.comment());
            presets.add("mcr");
        }
        if (!g.iotHubs.isEmpty() || g.deviceProvisioning.count() > 0) {
            if (g.deviceProvisioning.count() > 0) {
                line(indent + "# iot-edge, device provisioning: " + g.deviceProvisioning.comment());
            }
            presets.add("iot-edge");
        }
        if (!presets.isEmpty()) {
            line(indent + "presets: " + list(presets));
        }
        if (!g.iotHubs.isEmpty()) {
            comments(indent, g.iotHubs);
            line(indent + "iotHubs: " + list(g.iotHubs.keySet()));
        }
        if (!g.extraHosts.isEmpty()) {
            comments(indent, g.extraHosts);
            line(indent + "extraHosts: " + list(g.extraHosts.keySet()));
        }
        if (!(g.ports.size() == 1 && g.ports.containsKey(443))) {
            comments(indent, g.ports);
            line(indent + "ports: " + list(g.ports.keySet().stream().map(String::valueOf).toList()));
        }
    }

    private void notProposed(GroupEvidence g, String indent) {
        if (g.notProposed.isEmpty()) {
            return;
        }
        line(indent + "# Seen and not proposed:");
        g.notProposed.forEach((what, e) -> line(indent + "#   " + what + ": " + e.comment()));
    }

    private <K> void comments(String indent, Map<K, Evidence> seen) {
        seen.forEach((k, e) -> line(indent + "# " + k + ": " + e.comment()));
    }

    private static String list(java.util.Collection<String> items) {
        return "[" + String.join(", ", items) + "]";
    }

    /** A YAML single-quoted scalar: only {@code '} needs escaping, as {@code ''}. */
    private static String quoted(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    /**
     * The address as a one-host prefix: {@code 10.1.2.3/32}, {@code 'fd00::1/128'} (quoted: YAML and colons); {@code null}
     * for what is not an address.
     */
    private static String hostPrefix(String address) {
        try {
            InetAddress a = IpAddresses.parse(address);
            String text = IpAddresses.toText(a.getAddress());
            return a.getAddress().length == 4 ? text + "/32" : "'" + text + "/128'";
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void line(String text) {
        out.append(text).append('\n');
    }
}
