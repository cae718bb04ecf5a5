package io.acrproxy.policy;

import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.source.EndpointSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One {@code clientGroups[]} entry (design §6.7): which clients it is for, and its own allowlist and mode. Everything
 * else (destination filter, server-name check, service tags, limits, authentication) stays global.
 *
 * @param clients     source prefixes that select the group (after the PROXY protocol, when a balancer is in front)
 * @param users       authenticated proxy user names that select the group
 * @param certificates identities of verified client certificates on the TLS port that select the group: exact names or
 *                    {@code *.suffix}, where {@code *} stands for one label (design §2.4, §6.7)
 * @param blobStorage the group's {@code blobStorage}, or {@code null} when it does not set one
 * @param ports       the group's {@code ports}, or {@code null} when it does not set them
 * @param mode        the group's {@code mode}, or {@code null} for the top-level one
 */
public record ClientGroupSpec(
        String name,
        List<Cidr> clients,
        Set<String> users,
        Set<String> certificates,
        GroupAllowlist allowlist,
        List<RegistrySpec> registries,
        List<EndpointSet> endpointSets,
        BlobStorageSpec blobStorage,
        Set<Preset> presets,
        List<String> iotHubs,
        List<String> extraHosts,
        Set<Integer> ports,
        Mode mode) {

    /** The name of the top-level policy among the groups: in the access log, metrics and {@code explain}. */
    public static final String DEFAULT = "default";

    public ClientGroupSpec {
        Objects.requireNonNull(name, "name");
        clients = List.copyOf(clients);
        users = Set.copyOf(users);
        certificates = Set.copyOf(certificates);
        Objects.requireNonNull(allowlist, "allowlist");
        registries = List.copyOf(registries);
        endpointSets = List.copyOf(endpointSets);
        presets = Set.copyOf(presets);
        iotHubs = List.copyOf(iotHubs);
        extraHosts = List.copyOf(extraHosts);
        ports = ports == null ? null : Set.copyOf(ports);
    }

    /** A group with an empty allowlist of its own, selected by {@code clients} and {@code users}; for tests. */
    public static ClientGroupSpec of(String name, List<Cidr> clients, Set<String> users, GroupAllowlist allowlist) {
        return new ClientGroupSpec(name, clients, users, Set.of(), allowlist, List.of(), List.of(), null, Set.of(), List.of(),
                List.of(), null, null);
    }

    /** This group, selected also by client certificates whose identity matches one of {@code patterns}. */
    public ClientGroupSpec withCertificates(String... patterns) {
        return new ClientGroupSpec(name, clients, users, Set.of(patterns), allowlist, registries, endpointSets, blobStorage,
                presets, iotHubs, extraHosts, ports, mode);
    }

    public ClientGroupSpec withRegistries(RegistrySpec... list) {
        return new ClientGroupSpec(name, clients, users, certificates, allowlist, List.of(list), endpointSets, blobStorage, presets,
                iotHubs, extraHosts, ports, mode);
    }

    public ClientGroupSpec withExtraHosts(String... hosts) {
        return new ClientGroupSpec(name, clients, users, certificates, allowlist, registries, endpointSets, blobStorage, presets,
                iotHubs, List.of(hosts), ports, mode);
    }

    public ClientGroupSpec withMode(Mode m) {
        return new ClientGroupSpec(name, clients, users, certificates, allowlist, registries, endpointSets, blobStorage, presets,
                iotHubs, extraHosts, ports, m);
    }

    public ClientGroupSpec withPorts(Integer... list) {
        return new ClientGroupSpec(name, clients, users, certificates, allowlist, registries, endpointSets, blobStorage, presets,
                iotHubs, extraHosts, Set.of(list), mode);
    }

    /**
     * The spec this group's allowlist is compiled from: the top-level spec's global parts with the group's allowlist
     * and mode, replacing or added to the top-level allowlist as {@link #allowlist} says.
     */
    PolicySpec effective(PolicySpec top) {
        Mode effectiveMode = mode != null ? mode : top.mode();
        if (allowlist == GroupAllowlist.REPLACE) {
            return new PolicySpec(top.cloud(), effectiveMode, registries, endpointSets, top.allowRegistryApex(),
                    blobStorage != null ? blobStorage : BlobStorageSpec.NONE, presets, iotHubs, extraHosts,
                    ports != null ? ports : Set.of(443), top.sniRequired(), top.serviceTags(), top.destinations(),
                    top.clientAllow(), List.of());
        }
        return new PolicySpec(top.cloud(), effectiveMode, concat(top.registries(), registries),
                concat(top.endpointSets(), endpointSets), top.allowRegistryApex(), merge(top.blobStorage(), blobStorage),
                union(top.presets(), presets), concat(top.iotHubs(), iotHubs), concat(top.extraHosts(), extraHosts),
                ports == null ? top.ports() : union(top.ports(), ports), top.sniRequired(), top.serviceTags(),
                top.destinations(), top.clientAllow(), List.of());
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        if (b.isEmpty()) {
            return a;
        }
        List<T> out = new java.util.ArrayList<>(a);
        b.stream().filter(x -> !a.contains(x)).forEach(out::add);
        return out;
    }

    private static <T> Set<T> union(Set<T> a, Set<T> b) {
        Set<T> out = new java.util.HashSet<>(a);
        out.addAll(b);
        return out;
    }

    /** The wider of two storage settings: any over accounts over none; accounts of both. */
    private static BlobStorageSpec merge(BlobStorageSpec top, BlobStorageSpec group) {
        if (group == null) {
            return top;
        }
        if (top.mode() == BlobMode.ANY || group.mode() == BlobMode.ANY) {
            return new BlobStorageSpec(BlobMode.ANY, List.of());
        }
        List<String> accounts = concat(top.accounts(), group.accounts());
        return accounts.isEmpty() ? BlobStorageSpec.NONE : new BlobStorageSpec(BlobMode.ACCOUNTS, accounts);
    }
}
