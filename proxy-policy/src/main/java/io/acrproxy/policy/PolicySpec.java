package io.acrproxy.policy;

import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.DestinationRules;
import io.acrproxy.policy.source.EndpointSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Every input the policy is compiled from (design §6.1): the policy-relevant part of the config, the
 * endpoint files' contents and the selected service tags. A plain value; {@link PolicyCompiler} validates
 * and compiles it into a {@link Policy}.
 *
 * @param clientAllow  {@code clients.allow}: client source prefixes that may use the proxy
 * @param clientGroups {@code clientGroups}: groups of clients with an allowlist and mode of their own (design §6.7),
 *                     in file order; the fields above are the top-level policy, for clients outside every group
 */
public record PolicySpec(
        Cloud cloud,
        Mode mode,
        List<RegistrySpec> registries,
        List<EndpointSet> endpointSets,
        boolean allowRegistryApex,
        BlobStorageSpec blobStorage,
        Set<Preset> presets,
        List<String> iotHubs,
        List<String> extraHosts,
        Set<Integer> ports,
        boolean sniRequired,
        ServiceTagRules serviceTags,
        DestinationRules destinations,
        List<Cidr> clientAllow,
        List<ClientGroupSpec> clientGroups) {

    public PolicySpec {
        Objects.requireNonNull(cloud, "cloud");
        Objects.requireNonNull(mode, "mode");
        registries = List.copyOf(registries);
        endpointSets = List.copyOf(endpointSets);
        Objects.requireNonNull(blobStorage, "blobStorage");
        presets = Set.copyOf(presets);
        iotHubs = List.copyOf(iotHubs);
        extraHosts = List.copyOf(extraHosts);
        ports = Set.copyOf(ports);
        Objects.requireNonNull(serviceTags, "serviceTags");
        Objects.requireNonNull(destinations, "destinations");
        clientAllow = List.copyOf(clientAllow);
        clientGroups = List.copyOf(clientGroups);
    }

    /** The endpoint files' contents of the top level and of every group: the files a reload watches. */
    public List<EndpointSet> allEndpointSets() {
        List<EndpointSet> all = new java.util.ArrayList<>(endpointSets);
        clientGroups.forEach(g -> all.addAll(g.endpointSets()));
        return List.copyOf(all);
    }

    /** The same spec with other destination rules (the server adds its own listening addresses once bound). */
    public PolicySpec withDestinations(DestinationRules rules) {
        return new PolicySpec(cloud, mode, registries, endpointSets, allowRegistryApex, blobStorage, presets, iotHubs,
                extraHosts, ports, sniRequired, serviceTags, rules, clientAllow, clientGroups);
    }

    /** A spec with the design §3 defaults and the given registries; for tests and examples. */
    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder starting from the design §3 defaults. */
    public static final class Builder {
        private Cloud cloud = Cloud.AZURE_CLOUD;
        private Mode mode = Mode.ENFORCE;
        private List<RegistrySpec> registries = List.of();
        private List<EndpointSet> endpointSets = List.of();
        private boolean allowRegistryApex = true;
        private BlobStorageSpec blobStorage = BlobStorageSpec.NONE;
        private Set<Preset> presets = Set.of();
        private List<String> iotHubs = List.of();
        private List<String> extraHosts = List.of();
        private Set<Integer> ports = Set.of(443);
        private boolean sniRequired = true;
        private ServiceTagRules serviceTags = ServiceTagRules.NONE;
        private DestinationRules destinations;
        private List<Cidr> clientAllow = List.of();
        private List<ClientGroupSpec> clientGroups = List.of();

        public Builder cloud(Cloud v) { cloud = v; return this; }
        public Builder mode(Mode v) { mode = v; return this; }
        public Builder registries(List<RegistrySpec> v) { registries = v; return this; }
        public Builder registries(RegistrySpec... v) { registries = List.of(v); return this; }
        public Builder endpointSets(List<EndpointSet> v) { endpointSets = v; return this; }
        public Builder allowRegistryApex(boolean v) { allowRegistryApex = v; return this; }
        public Builder blobStorage(BlobStorageSpec v) { blobStorage = v; return this; }
        public Builder presets(Set<Preset> v) { presets = v; return this; }
        public Builder iotHubs(List<String> v) { iotHubs = v; return this; }
        public Builder extraHosts(List<String> v) { extraHosts = v; return this; }
        public Builder ports(Set<Integer> v) { ports = v; return this; }
        public Builder sniRequired(boolean v) { sniRequired = v; return this; }
        public Builder serviceTags(ServiceTagRules v) { serviceTags = v; return this; }
        public Builder destinations(DestinationRules v) { destinations = v; return this; }
        public Builder clientAllow(List<Cidr> v) { clientAllow = v; return this; }
        public Builder clientGroups(List<ClientGroupSpec> v) { clientGroups = v; return this; }
        public Builder clientGroups(ClientGroupSpec... v) { clientGroups = List.of(v); return this; }

        public PolicySpec build() {
            return new PolicySpec(cloud, mode, registries, endpointSets, allowRegistryApex, blobStorage, presets,
                    iotHubs, extraHosts, ports, sniRequired, serviceTags,
                    destinations != null ? destinations : DestinationRules.defaults(), clientAllow, clientGroups);
        }
    }
}
