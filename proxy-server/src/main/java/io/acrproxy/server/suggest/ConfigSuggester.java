package io.acrproxy.server.suggest;

import io.acrproxy.policy.ClientGroupSpec;
import io.acrproxy.policy.Cloud;
import io.acrproxy.policy.RegistryNames;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.host.InvalidHostException;
import io.acrproxy.policy.host.IpLiteral;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Learn mode (design §6.8): turns what clients did, as the access log shows it, into the allowlist that lets them do
 * it again, per client group. Only evidence of wanted and permissible traffic counts: tunnels that were allowed, and
 * those report mode let through that enforce mode would refuse <em>for not being listed</em> (a host or a port). A
 * refusal for any other reason — the destination filter, a malformed request, a server name that does not match — is
 * never proposed, and neither is anything the log does not show: no wildcard, no region, no storage account that no
 * tunnel used.
 */
final class ConfigSuggester {
    /** Report-mode reasons that mean "not in the allowlist", the only would-denials worth proposing. */
    private static final Set<String> LISTABLE = Set.of("host_not_allowed", "port_not_allowed");

    private final Cloud cloud;
    private final Map<String, GroupEvidence> groups = new LinkedHashMap<>();
    private Instant first;
    private Instant last;
    private long entries;

    ConfigSuggester(Cloud cloud) {
        this.cloud = cloud;
        groups.put(ClientGroupSpec.DEFAULT, new GroupEvidence(ClientGroupSpec.DEFAULT));
    }

    Cloud cloud() {
        return cloud;
    }

    Map<String, GroupEvidence> groups() {
        return groups;
    }

    long entries() {
        return entries;
    }

    Instant first() {
        return first;
    }

    Instant last() {
        return last;
    }

    void add(AccessLogEntry e) {
        Authority target = authority(e.target());
        if (target == null) {
            return; // a plain-HTTP request or a head that never parsed: nothing a CONNECT allowlist could hold
        }
        entries++;
        first = first == null || e.time().isBefore(first) ? e.time() : first;
        last = last == null || e.time().isAfter(last) ? e.time() : last;
        GroupEvidence g = groups.computeIfAbsent(e.group(), GroupEvidence::new);
        boolean propose = e.decision().equals("allow") || (e.decision().equals("would_deny") && LISTABLE.contains(e.reason()));
        if (!propose) {
            g.notProposed.computeIfAbsent(target + " (" + e.decision() + (e.reason() == null ? "" : ": " + e.reason()) + ")",
                    k -> new Evidence()).saw(e.time());
            return;
        }
        if (target.host() instanceof IpLiteral) {
            g.notProposed.computeIfAbsent(target + " (an IP address: allow it through serviceTags, not by name)",
                    k -> new Evidence()).saw(e.time());
            return;
        }
        g.proposedTunnels++;
        classify(g, target.host().text(), e.time());
        g.ports.computeIfAbsent(target.port(), p -> new Evidence()).saw(e.time());
        if (e.user() != null) {
            g.users.computeIfAbsent(e.user(), u -> new Evidence()).saw(e.time());
        }
        String address = clientAddress(e.client());
        if (address != null) {
            g.clients.computeIfAbsent(address, a -> new Evidence()).saw(e.time());
        }
    }

    private static Authority authority(String target) {
        if (target == null) {
            return null;
        }
        try {
            return Authority.parse(target);
        } catch (IllegalArgumentException e) { // InvalidHostException too
            return null;
        }
    }

    /** Where the host goes in the config: a registry's endpoint, a storage account, a preset's host, or an extra host. */
    private void classify(GroupEvidence g, String host, Instant at) {
        String registrySuffix = "." + cloud.registrySuffix();
        String blobSuffix = "." + cloud.blobSuffix();
        if (host.equals(cloud.registrySuffix())) {
            return; // the registry apex: allowed by default (allowRegistryApex)
        }
        if (host.equals(cloud.mcrHost()) || host.endsWith("." + cloud.mcrDataSuffix())) {
            g.mcr.saw(at);
            return;
        }
        if (host.equals(cloud.dpsGlobalHost())) {
            g.deviceProvisioning.saw(at);
            return;
        }
        if (host.endsWith(registrySuffix)) {
            String[] labels = host.substring(0, host.length() - registrySuffix.length()).split("\\.", -1);
            if (labels.length == 1 && RegistryNames.isRegistryName(labels[0])) {
                g.registry(labels[0]).loginServer.saw(at);
                return;
            }
            if (labels.length == 3 && RegistryNames.isRegistryName(labels[0]) && RegistryNames.isRegion(labels[1])
                    && !labels[1].equals("*") && (labels[2].equals("data") || labels[2].equals("geo"))) {
                GroupEvidence.Registry r = g.registry(labels[0]);
                (labels[2].equals("data") ? r.dataRegions : r.geoRegions).computeIfAbsent(labels[1], k -> new Evidence())
                        .saw(at);
                return;
            }
        }
        if (host.endsWith(blobSuffix)) {
            String account = host.substring(0, host.length() - blobSuffix.length());
            if (RegistryNames.isStorageAccountName(account)) {
                g.storageAccounts.computeIfAbsent(account, a -> new Evidence()).saw(at);
                return;
            }
        }
        if (host.endsWith("." + cloud.iotHubSuffix())) {
            String hub = host.substring(0, host.length() - cloud.iotHubSuffix().length() - 1);
            if (RegistryNames.isIotHubName(hub)) {
                g.iotHubs.computeIfAbsent(hub, h -> new Evidence()).saw(at);
                return;
            }
        }
        g.extraHosts.computeIfAbsent(host, h -> new Evidence()).saw(at);
    }

    /** {@code 10.1.2.3:5000} → {@code 10.1.2.3}; {@code [fd00::1]:5000} or {@code fd00::1:5000} → {@code fd00::1}. */
    static String clientAddress(String client) {
        if (client == null || client.isEmpty()) {
            return null;
        }
        if (client.startsWith("[")) {
            int end = client.indexOf(']');
            return end < 0 ? null : client.substring(1, end);
        }
        int colon = client.lastIndexOf(':');
        return colon < 0 ? client : client.substring(0, colon);
    }
}
