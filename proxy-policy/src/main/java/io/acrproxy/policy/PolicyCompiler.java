package io.acrproxy.policy;

import io.acrproxy.policy.host.HostMatcher;
import io.acrproxy.policy.host.HostName;
import io.acrproxy.policy.host.HostPattern;
import io.acrproxy.policy.host.InvalidHostException;
import io.acrproxy.policy.source.EndpointSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles a {@link PolicySpec} into an immutable {@link Policy}: validates every entry again (the
 * policy is security code and does not trust its caller), expands registries, presets and clouds into
 * host rules, and collects the warnings that only the compiled sources reveal (an endpoint file that
 * points at shared storage, the iot-edge preset without hubs). Warnings about how a config is written
 * (wildcards that cover other tenants, {@code blobStorage.mode: any}, an empty allowlist) come from the
 * config loader, which knows the key paths.
 */
public final class PolicyCompiler {
    private static final java.util.regex.Pattern GROUP_NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    private final PolicySpec spec;
    private final Cloud cloud;
    private final HostMatcher.Builder hosts = HostMatcher.builder();
    private final Map<String, String> registryHints = new LinkedHashMap<>();
    private final List<String> problems;
    private final List<String> warnings;
    /** Put in front of this allowlist's problems and warnings: empty for the top level, the group for a group. */
    private final String where;
    /** What the top level said already: a group that adds to its allowlist would only say it again. */
    private final java.util.Set<String> saidAtTopLevel;

    private PolicyCompiler(PolicySpec spec, String where, List<String> problems, List<String> warnings,
                           java.util.Set<String> saidAtTopLevel) {
        this.spec = spec;
        this.cloud = spec.cloud();
        this.where = where;
        this.problems = problems;
        this.warnings = warnings;
        this.saidAtTopLevel = saidAtTopLevel;
    }

    /**
     * @throws PolicyCompileException listing every invalid entry
     */
    public static Policy compile(PolicySpec spec) {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Policy.CompiledGroup top = new PolicyCompiler(spec, "", problems, warnings, java.util.Set.of()).allowlist(null);
        java.util.Set<String> said = new java.util.HashSet<>(problems);
        said.addAll(warnings);
        List<Policy.CompiledGroup> groups = new ArrayList<>();
        checkGroups(spec.clientGroups(), problems);
        for (ClientGroupSpec g : spec.clientGroups()) {
            String where = "clientGroups[" + g.name() + "]: ";
            groups.add(new PolicyCompiler(g.effective(spec), where, problems, warnings, said).allowlist(g));
        }
        if (!problems.isEmpty()) {
            throw new PolicyCompileException(problems);
        }
        return new Policy(spec, PolicyVersion.of(spec), top, groups, warnings);
    }

    /**
     * What makes a set of groups unusable, whatever their allowlists: names, a user in two groups, a group that
     * nothing selects, a group whose every prefix an earlier group takes (design §6.7).
     */
    private static void checkGroups(List<ClientGroupSpec> groups, List<String> problems) {
        Map<String, String> groupOfUser = new java.util.HashMap<>();
        Map<String, String> groupOfCertificate = new java.util.HashMap<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        List<ShadowedPrefix> shadowed = new GroupSelector(groups).shadowed();
        for (ClientGroupSpec g : groups) {
            String where = "clientGroups[" + g.name() + "]: ";
            if (!GROUP_NAME.matcher(g.name()).matches() || g.name().equals(ClientGroupSpec.DEFAULT)) {
                problems.add(where + HostName.quote(g.name()) + " is not a valid group name (1-63 lower-case letters, "
                        + "digits, - and _; not \"" + ClientGroupSpec.DEFAULT + "\")");
            }
            if (!names.add(g.name())) {
                problems.add(where + "the name is used twice");
            }
            for (String user : g.users()) {
                String other = groupOfUser.putIfAbsent(user, g.name());
                if (other != null && !other.equals(g.name())) {
                    problems.add(where + "user " + HostName.quote(user) + " is in group " + other + " already");
                }
            }
            for (String pattern : g.certificates()) {
                String other = groupOfCertificate.putIfAbsent(pattern, g.name());
                if (other != null && !other.equals(g.name())) {
                    problems.add(where + "certificate " + HostName.quote(pattern) + " is in group " + other + " already");
                }
            }
            if (g.clients().isEmpty() && g.users().isEmpty() && g.certificates().isEmpty()) {
                problems.add(where + "selects no client (expected: clients, users, certificates or several)");
            }
            long mine = shadowed.stream().filter(s -> s.group().equals(g.name())).count();
            if (!g.clients().isEmpty() && mine == g.clients().size()) {
                problems.add(where + "every prefix in clients lies inside an earlier group's ("
                        + String.join(", ", shadowed.stream().filter(s -> s.group().equals(g.name()))
                                .map(s -> s.prefix() + " in " + s.earlierGroup() + "'s " + s.earlierPrefix()).toList())
                        + "), so clients never select it");
            }
        }
    }

    private Policy.CompiledGroup allowlist(ClientGroupSpec group) {
        spec.registries().forEach(this::addRegistry);
        spec.endpointSets().forEach(this::addEndpointSet);
        if (spec.allowRegistryApex()) {
            hosts.exact(cloud.registrySuffix(), "registry apex " + cloud.registrySuffix());
        }
        addBlobStorage();
        addPresets();
        spec.extraHosts().forEach(this::addExtraHost);
        for (int port : spec.ports()) {
            if (port < 1 || port > 65535) {
                problem("ports: " + port + " is not a port (expected 1-65535)");
            }
        }
        if (spec.ports().isEmpty()) {
            problem("ports: empty (expected at least one port, e.g. [443])");
        }
        return new Policy.CompiledGroup(group, spec, hosts.build(), registryHints);
    }

    private void addRegistry(RegistrySpec r) {
        if (!RegistryNames.isRegistryName(r.name())) {
            problem("registry " + HostName.quote(r.name()) + " is not a valid registry name (5-50 lowercase letters and digits)");
            return;
        }
        String name = r.name();
        String suffix = cloud.registrySuffix();
        hosts.exact(name + "." + suffix, "registry " + name + ": login server");
        addRegional(name, r.dataEndpointRegions(), "data", "data endpoint");
        addRegional(name, r.regionalEndpointRegions(), "geo", "geo endpoint");
        registryHints.put(name, hint(r));
    }

    private void addRegional(String name, List<String> regions, String kind, String what) {
        String rest = kind + "." + cloud.registrySuffix();
        for (String region : regions) {
            if (!RegistryNames.isRegion(region)) {
                problem("registry " + name + ": " + HostName.quote(region) + " is not a region (expected a region name such as eastus, or \"*\")");
            } else if (region.equals("*")) {
                hosts.anySecondLabel(name, rest, "registry " + name + ": " + what + " (any region)");
            } else {
                hosts.exact(name + "." + region + "." + rest, "registry " + name + ": " + what + " " + region);
            }
        }
    }

    private static String hint(RegistrySpec r) {
        // In the config's own words, so the operator knows which key to edit.
        return "registry " + r.name() + " has dataEndpointRegions "
                + (r.dataEndpointRegions().isEmpty() ? "[]" : "[" + String.join(", ", r.dataEndpointRegions()) + "]")
                + " and regionalEndpointRegions "
                + (r.regionalEndpointRegions().isEmpty() ? "[]" : "[" + String.join(", ", r.regionalEndpointRegions()) + "]");
    }

    private void addEndpointSet(EndpointSet set) {
        String suffix = cloud.registrySuffix();
        String label = "endpoint file " + set.source();
        String login = endpointName(set, "loginServer", set.loginServer());
        if (login != null) {
            int dot = login.indexOf('.');
            if (dot < 0 || !login.substring(dot + 1).equals(suffix) || !RegistryNames.isRegistryName(login.substring(0, dot))) {
                problem(label + ": loginServer " + HostName.quote(login) + " is not a registry login server <name>." + suffix + " (cloud " + cloud + ")");
            } else {
                hosts.exact(login, label + ": login server");
            }
        }
        addEndpoints(set, label, "dataEndpoints", set.dataEndpoints(), "data endpoint");
        addEndpoints(set, label, "regionalEndpoints", set.regionalEndpoints(), "regional endpoint");
    }

    private void addEndpoints(EndpointSet set, String label, String field, List<String> endpoints, String what) {
        String sharedStorage = "*.blob." + cloud.blobSuffix().substring("blob.".length());
        for (int i = 0; i < endpoints.size(); i++) {
            String raw = endpoints.get(i);
            if (raw.equals(sharedStorage)) {
                // `az acr show-endpoints` prints this when dedicated data endpoints are off: layers come from
                // a storage account whose name Azure does not publish, so only blobStorage.mode any can reach it.
                if (spec.blobStorage().mode() != BlobMode.ANY) {
                    warning(label + ": the registry serves layers from shared storage (" + raw + "); blobStorage.mode is "
                            + spec.blobStorage().mode().code() + ", so pulls will fail unless its storage account is listed in blobStorage.accounts"
                            + " (or enable dedicated data endpoints on the registry: az acr update --data-endpoint-enabled)");
                }
                continue;
            }
            String name = endpointName(set, field + "[" + i + "]", raw);
            if (name == null) {
                continue;
            }
            if (!name.endsWith("." + cloud.registrySuffix())) {
                problem(label + ": " + field + "[" + i + "] " + HostName.quote(name) + " is not under " + cloud.registrySuffix() + " (cloud " + cloud + ")");
            } else {
                hosts.exact(name, label + ": " + what);
            }
        }
    }

    private String endpointName(EndpointSet set, String field, String raw) {
        try {
            return HostName.normalise(raw);
        } catch (InvalidHostException e) {
            problem("endpoint file " + set.source() + ": " + field + ": " + e.getMessage());
            return null;
        }
    }

    private void addBlobStorage() {
        BlobStorageSpec blob = spec.blobStorage();
        switch (blob.mode()) {
            case NONE -> {
            }
            case ACCOUNTS -> {
                if (blob.accounts().isEmpty()) {
                    problem("blobStorage: mode accounts needs at least one account");
                }
                for (String account : blob.accounts()) {
                    if (!RegistryNames.isStorageAccountName(account)) {
                        problem("blobStorage: " + HostName.quote(account) + " is not a storage account name (3-24 lowercase letters and digits)");
                    } else {
                        hosts.exact(account + "." + cloud.blobSuffix(), "blobStorage account " + account);
                    }
                }
            }
            case ANY -> {
                hosts.anyFirstLabel(cloud.blobSuffix(), "blobStorage any account (mode any)");
            }
        }
    }

    private void addPresets() {
        if (spec.presets().contains(Preset.IOT_EDGE)) {
            for (String hub : spec.iotHubs()) {
                if (!RegistryNames.isIotHubName(hub)) {
                    problem("iotHubs: " + HostName.quote(hub) + " is not an IoT Hub name (3-50 lowercase letters, digits and hyphens)");
                } else {
                    hosts.exact(hub + "." + cloud.iotHubSuffix(), "preset iot-edge: hub " + hub);
                }
            }
            hosts.exact(cloud.dpsGlobalHost(), "preset iot-edge: device provisioning");
            if (spec.iotHubs().isEmpty()) {
                warning("preset iot-edge without iotHubs: only device provisioning and MCR are allowed");
            }
        }
        if (spec.presets().contains(Preset.MCR) || spec.presets().contains(Preset.IOT_EDGE)) {
            String by = spec.presets().contains(Preset.MCR) ? "preset mcr" : "preset iot-edge: mcr";
            hosts.exact(cloud.mcrHost(), by);
            hosts.anyFirstLabel(cloud.mcrDataSuffix(), by + " data endpoints");
        }
    }

    private void addExtraHost(String raw) {
        HostPattern pattern;
        try {
            pattern = HostPattern.parse(raw);
        } catch (InvalidHostException e) {
            problem("extraHosts: " + e.getMessage());
            return;
        }
        if (!pattern.wildcard()) {
            hosts.exact(pattern.name(), "extraHosts " + pattern.text());
            return;
        }
        hosts.anyFirstLabel(pattern.name(), "extraHosts " + pattern.text());
    }

    private void problem(String text) {
        if (!saidAtTopLevel.contains(text)) {
            problems.add(where + text);
        }
    }

    private void warning(String text) {
        if (!saidAtTopLevel.contains(text)) {
            warnings.add(where + text);
        }
    }
}
