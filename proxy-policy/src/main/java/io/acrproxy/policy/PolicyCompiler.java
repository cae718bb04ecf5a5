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
    private final PolicySpec spec;
    private final Cloud cloud;
    private final HostMatcher.Builder hosts = HostMatcher.builder();
    private final Map<String, String> registryHints = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private PolicyCompiler(PolicySpec spec) {
        this.spec = spec;
        this.cloud = spec.cloud();
    }

    /**
     * @throws PolicyCompileException listing every invalid entry
     */
    public static Policy compile(PolicySpec spec) {
        return new PolicyCompiler(spec).run();
    }

    private Policy run() {
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
                problems.add("ports: " + port + " is not a port (expected 1-65535)");
            }
        }
        if (spec.ports().isEmpty()) {
            problems.add("ports: empty (expected at least one port, e.g. [443])");
        }
        if (!problems.isEmpty()) {
            throw new PolicyCompileException(problems);
        }
        HostMatcher matcher = hosts.build();
        return new Policy(spec, PolicyVersion.of(spec), matcher, registryHints, warnings);
    }

    private void addRegistry(RegistrySpec r) {
        if (!RegistryNames.isRegistryName(r.name())) {
            problems.add("registry " + HostName.quote(r.name()) + " is not a valid registry name (5-50 lowercase letters and digits)");
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
                problems.add("registry " + name + ": " + HostName.quote(region) + " is not a region (expected a region name such as eastus, or \"*\")");
            } else if (region.equals("*")) {
                hosts.anySecondLabel(name, rest, "registry " + name + ": " + what + " (any region)");
            } else {
                hosts.exact(name + "." + region + "." + rest, "registry " + name + ": " + what + " " + region);
            }
        }
    }

    private static String hint(RegistrySpec r) {
        return "registry " + r.name() + " allows data endpoints in "
                + (r.dataEndpointRegions().isEmpty() ? "no region" : String.join(", ", r.dataEndpointRegions()))
                + " and geo endpoints in "
                + (r.regionalEndpointRegions().isEmpty() ? "no region" : String.join(", ", r.regionalEndpointRegions()));
    }

    private void addEndpointSet(EndpointSet set) {
        String suffix = cloud.registrySuffix();
        String label = "endpoint file " + set.source();
        String login = endpointName(set, "loginServer", set.loginServer());
        if (login != null) {
            int dot = login.indexOf('.');
            if (dot < 0 || !login.substring(dot + 1).equals(suffix) || !RegistryNames.isRegistryName(login.substring(0, dot))) {
                problems.add(label + ": loginServer " + HostName.quote(login) + " is not a registry login server <name>." + suffix + " (cloud " + cloud + ")");
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
                    warnings.add(label + ": the registry serves layers from shared storage (" + raw + "); blobStorage.mode is "
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
                problems.add(label + ": " + field + "[" + i + "] " + HostName.quote(name) + " is not under " + cloud.registrySuffix() + " (cloud " + cloud + ")");
            } else {
                hosts.exact(name, label + ": " + what);
            }
        }
    }

    private String endpointName(EndpointSet set, String field, String raw) {
        try {
            return HostName.normalise(raw);
        } catch (InvalidHostException e) {
            problems.add("endpoint file " + set.source() + ": " + field + ": " + e.getMessage());
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
                    problems.add("blobStorage: mode accounts needs at least one account");
                }
                for (String account : blob.accounts()) {
                    if (!RegistryNames.isStorageAccountName(account)) {
                        problems.add("blobStorage: " + HostName.quote(account) + " is not a storage account name (3-24 lowercase letters and digits)");
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
                    problems.add("iotHubs: " + HostName.quote(hub) + " is not an IoT Hub name (3-50 lowercase letters, digits and hyphens)");
                } else {
                    hosts.exact(hub + "." + cloud.iotHubSuffix(), "preset iot-edge: hub " + hub);
                }
            }
            hosts.exact(cloud.dpsGlobalHost(), "preset iot-edge: device provisioning");
            if (spec.iotHubs().isEmpty()) {
                warnings.add("preset iot-edge without iotHubs: only device provisioning and MCR are allowed");
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
            problems.add("extraHosts: " + e.getMessage());
            return;
        }
        if (!pattern.wildcard()) {
            hosts.exact(pattern.name(), "extraHosts " + pattern.text());
            return;
        }
        hosts.anyFirstLabel(pattern.name(), "extraHosts " + pattern.text());
    }
}
