package io.acrproxy.server.config;

import io.acrproxy.policy.ClientGroupSpec;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.ServiceTagRules;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.DestinationRules;
import io.acrproxy.policy.servicetag.ServiceTagSelection;
import io.acrproxy.policy.source.EndpointSet;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds the policy module's {@link PolicySpec} from a config and the files it names (design §6.1).
 *
 * <p>{@link #load(Path)} is the one-pass entry point: the config's own problems and those of its endpoint
 * and service-tags files come back together in one {@link ConfigException}.
 */
public final class PolicySpecs {
    private PolicySpecs() {
    }

    /**
     * Loads a config file and reads every file it names.
     *
     * @throws ConfigException naming every problem of the config and its sources
     */
    public static LoadedPolicy load(Path configFile) throws ConfigException {
        Problems problems = new Problems();
        return finish(ConfigLoader.check(configFile, problems), problems);
    }

    /**
     * Like {@link #load(Path)} for config text.
     *
     * @param baseDirectory what relative paths in the config are resolved against
     */
    public static LoadedPolicy load(String yaml, Path baseDirectory) throws ConfigException {
        return load(yaml, baseDirectory, System::getenv);
    }

    /** Like {@link #load(String, Path)}, reading {@code passwordEnv} variables from {@code environment}. */
    public static LoadedPolicy load(String yaml, Path baseDirectory, java.util.function.Function<String, String> environment)
            throws ConfigException {
        Problems problems = new Problems();
        return finish(ConfigLoader.check(yaml, baseDirectory, problems, environment), problems);
    }

    /**
     * Reads the sources of an already valid config again, e.g. when an endpoint file changed.
     *
     * @throws ConfigException naming every problem of the sources
     */
    public static LoadedPolicy build(ProxyConfig config) throws ConfigException {
        return finish(config, new Problems());
    }

    private static LoadedPolicy finish(ProxyConfig config, Problems problems) throws ConfigException {
        if (config == null) {
            // The file or its YAML was unreadable (already reported): there are no sources to read.
            throw new ConfigException(problems.errors());
        }
        SourceReader sources = new SourceReader(problems);
        List<EndpointSet> endpointSets = sources.endpointSets(config.endpointFiles());
        List<List<EndpointSet>> groupEndpointSets = new java.util.ArrayList<>();
        for (int i = 0; i < config.clientGroups().size(); i++) {
            groupEndpointSets.add(sources.endpointSets(config.clientGroups().get(i).endpointFiles(),
                    KeyPath.ROOT.key("clientGroups").index(i).key("endpointFiles")));
        }
        ServiceTagSelection selection = sources.serviceTags(config.serviceTags());
        problems.throwIfErrors();
        return new LoadedPolicy(config, of(config, endpointSets, groupEndpointSets, selection), problems.warnings());
    }

    /** As {@link #of(ProxyConfig, List, List, ServiceTagSelection)} for a config without group endpoint files. */
    public static PolicySpec of(ProxyConfig config, List<EndpointSet> endpointSets, ServiceTagSelection selection) {
        return of(config, endpointSets, config.clientGroups().stream().map(g -> List.<EndpointSet>of()).toList(), selection);
    }

    /**
     * The spec for a config and the contents of its sources.
     *
     * @param selection the selected service tags, or {@code null} when none were read
     * @throws IllegalArgumentException when the config needs a selection ({@code allowIpLiterals},
     *                                  {@code verifyResolved}) and none is given
     */
    public static PolicySpec of(ProxyConfig config, List<EndpointSet> endpointSets, List<List<EndpointSet>> groupEndpointSets,
                                ServiceTagSelection selection) {
        ProxyConfig.ServiceTags tags = config.serviceTags();
        ProxyConfig.Destinations destinations = config.destinations();
        List<Cidr> denyRanges = destinations.defaultDenyRanges() ? DestinationRules.defaultDenyRanges() : destinations.denyRanges();
        return PolicySpec.builder()
                .cloud(config.cloud())
                .mode(config.mode())
                .registries(config.registries())
                .endpointSets(endpointSets)
                .allowRegistryApex(config.allowRegistryApex())
                .blobStorage(config.blobStorage())
                .presets(config.presets())
                .iotHubs(config.iotHubs())
                .extraHosts(config.extraHosts())
                .ports(Set.copyOf(config.ports()))
                .sniRequired(config.sni().required())
                .serviceTags(new ServiceTagRules(selection, tags.allowIpLiterals(), tags.verifyResolved()))
                .destinations(new DestinationRules(denyRanges, destinations.allowPrivate(), ownAddresses(config)))
                .clientAllow(config.clients().allow())
                .clientGroups(groups(config.clientGroups(), groupEndpointSets))
                .build();
    }

    private static List<ClientGroupSpec> groups(List<ProxyConfig.ClientGroup> groups, List<List<EndpointSet>> endpointSets) {
        List<ClientGroupSpec> out = new java.util.ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            ProxyConfig.ClientGroup g = groups.get(i);
            out.add(new ClientGroupSpec(g.name(), g.clients(), Set.copyOf(g.users()), Set.copyOf(g.certificates()),
                    g.allowlist(), g.registries(),
                    endpointSets.get(i), g.blobStorage(), g.presets(), g.iotHubs(), g.extraHosts(),
                    g.ports() == null ? null : Set.copyOf(g.ports()), g.mode()));
        }
        return out;
    }

    /**
     * The proxy's own sockets, refused as destinations (design §6.5: proxy_loop). Wildcard binds stand for every
     * local address, which only the running server can list; it adds them with
     * {@link DestinationRules#withOwnAddresses}.
     */
    private static Set<InetSocketAddress> ownAddresses(ProxyConfig config) {
        Set<InetSocketAddress> own = new LinkedHashSet<>();
        for (ListenAddress a : List.of(config.listen(), config.admin())) {
            if (!a.isWildcard()) {
                own.add(a.socketAddress());
            }
        }
        return own;
    }
}
