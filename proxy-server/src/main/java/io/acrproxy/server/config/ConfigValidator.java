package io.acrproxy.server.config;

import io.acrproxy.policy.BlobMode;
import io.acrproxy.policy.BlobStorageSpec;
import io.acrproxy.policy.Cloud;
import io.acrproxy.policy.Mode;
import io.acrproxy.policy.Preset;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.host.HostName;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Turns the bound {@link WireConfig} into a {@link ProxyConfig}, section by section in design §3 order.
 *
 * <p>Always returns a config: where a value is invalid the problem is recorded and the default stands in, so
 * that the remaining keys are still checked and the sources the config names can still be read in the same
 * pass. The result is only handed out when no error was recorded.
 */
final class ConfigValidator {
    private final Problems problems;
    private final Checks checks;
    private final PolicySections policy;
    private final ServerSections server;
    private final ServiceTagsSection serviceTagsSection;
    private final AuthSection authSection;
    private final ClientGroupsSection clientGroupsSection;
    private final ParentsSection parentsSection;

    ConfigValidator(Problems problems, Path baseDirectory) {
        this(problems, baseDirectory, System::getenv);
    }

    /** @param environment where {@code parents[].passwordEnv} variables are looked up */
    ConfigValidator(Problems problems, Path baseDirectory, java.util.function.Function<String, String> environment) {
        this.problems = problems;
        this.checks = new Checks(problems, baseDirectory);
        this.parentsSection = new ParentsSection(checks, environment);
        this.policy = new PolicySections(checks);
        this.server = new ServerSections(checks);
        this.serviceTagsSection = new ServiceTagsSection(checks);
        this.authSection = new AuthSection(checks);
        this.clientGroupsSection = new ClientGroupsSection(checks, policy);
    }

    /** Sections are checked in design §3 order, so value problems are reported in that order. */
    ProxyConfig validate(WireConfig w) {
        KeyPath root = KeyPath.ROOT;
        ListenAddress listen = server.address(w.listen(), root.key("listen"), ProxyConfig.DEFAULT_LISTEN);
        ListenAddress admin = server.address(w.admin(), root.key("admin"), ProxyConfig.DEFAULT_ADMIN);
        server.checkDistinct(listen, admin);
        ProxyConfig.ListenTls listenTls = server.listenTls(w.listenTls(), root.key("listenTls"), listen, admin);
        Cloud cloud = policy.cloud(w.cloud(), root.key("cloud"));
        Mode mode = policy.mode(w.mode(), root.key("mode"));
        List<RegistrySpec> registries = policy.registries(w.registries(), root.key("registries"));
        List<Path> endpointFiles = checks.each(w.endpointFiles(), root.key("endpointFiles"), checks::resolvePath);
        boolean allowRegistryApex = Checks.orDefault(w.allowRegistryApex(), true);
        BlobStorageSpec blobStorage = policy.blobStorage(w.blobStorage(), root.key("blobStorage"), cloud);
        Set<Preset> presets = policy.presets(w.presets(), root.key("presets"));
        List<String> iotHubs = policy.iotHubs(w.iotHubs(), root.key("iotHubs"), presets,
                problems.hasErrorsWithin(root.key("presets")));
        List<String> extraHosts = policy.extraHosts(w.extraHosts(), root.key("extraHosts"), cloud);
        List<Integer> ports = policy.ports(w.ports(), root.key("ports"));
        ProxyConfig.Sni sni = server.sni(w.sni(), root.key("sni"));
        ProxyConfig.ServiceTags serviceTags = serviceTagsSection.validate(w.serviceTags(), root.key("serviceTags"));
        ProxyConfig.Destinations destinations = server.destinations(w.destinations(), root.key("destinations"));
        ProxyConfig.Resolver resolver = server.resolver(w.resolver(), root.key("resolver"));
        ProxyConfig.Clients clients = server.clients(w.clients(), root.key("clients"));
        ProxyConfig.Auth auth = authSection.validate(w.auth(), root.key("auth"));
        ProxyConfig.Limits limits = server.limits(w.limits(), root.key("limits"));
        ProxyConfig.Timeouts timeouts = server.timeouts(w.timeouts(), root.key("timeouts"));
        boolean revokeOnReload = Checks.orDefault(w.revokeOnReload(), true);
        String transport = checks.value(w.transport(), root.key("transport"), "auto", text -> {
            if (!ProxyConfig.TRANSPORTS.contains(text)) {
                throw new IllegalArgumentException(HostName.quote(text) + " is not a transport (expected: auto, epoll, io_uring or nio)");
            }
            return text;
        });
        ProxyConfig.Relay relay = server.relay(w.relay(), root.key("relay"));
        ProxyConfig.ProxyProtocol proxyProtocol = server.proxyProtocol(w.listen(), root.key("listen"));
        boolean logProbes = w.listen() != null && Checks.orDefault(w.listen().logProbes(), false);
        List<ProxyConfig.Parent> parents = parentsSection.parents(w.parents(), root.key("parents"));
        List<ProxyConfig.RouteEntry> routes = parentsSection.routes(w.routes(), root.key("routes"), parents,
                problems.hasErrorsWithin(root.key("parents")));
        List<ProxyConfig.ClientGroup> clientGroups = clientGroupsSection.validate(w.clientGroups(),
                root.key("clientGroups"), cloud, auth.users().stream().map(ProxyConfig.User::name).toList(),
                listenTls != null && listenTls.files().clientCaFile() != null);
        ProxyConfig config = new ProxyConfig(listen, listenTls, admin, cloud, mode, registries, endpointFiles, allowRegistryApex,
                blobStorage, presets, iotHubs, extraHosts, ports, sni, serviceTags, destinations, resolver, clients, auth,
                limits, timeouts, revokeOnReload, transport, relay, proxyProtocol, logProbes, parents, routes, clientGroups);
        warnIfNothingAllowed(config);
        return config;
    }

    /**
     * Only the registry apex would be reachable; an empty config starts (every key may be omitted) but is
     * almost certainly a mistake. Not when a section holding allowed names failed: it was meant to allow something.
     */
    private void warnIfNothingAllowed(ProxyConfig c) {
        boolean attempted = problems.hasErrorsWithin(KeyPath.ROOT.key("registries"))
                || problems.hasErrorsWithin(KeyPath.ROOT.key("endpointFiles"))
                || problems.hasErrorsWithin(KeyPath.ROOT.key("presets"))
                || problems.hasErrorsWithin(KeyPath.ROOT.key("extraHosts"))
                || problems.hasErrorsWithin(KeyPath.ROOT.key("blobStorage"));
        if (!attempted && c.registries().isEmpty() && c.endpointFiles().isEmpty() && c.presets().isEmpty()
                && c.extraHosts().isEmpty() && c.blobStorage().mode() == BlobMode.NONE) {
            // Say what is still reachable: with the apex on, "nothing is allowed" would be untrue.
            String reachable = c.allowRegistryApex()
                    ? "only the registry apex " + c.cloud().registrySuffix() + " is allowed"
                    : "nothing is allowed";
            problems.warn(KeyPath.ROOT, reachable + (c.clientGroups().isEmpty() ? "" : " for clients outside clientGroups")
                    + ": no registries, endpointFiles, presets, extraHosts or blobStorage are configured");
        }
    }
}
