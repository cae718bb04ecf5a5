package io.acrproxy.server.config;

import io.acrproxy.policy.BlobMode;
import io.acrproxy.policy.BlobStorageSpec;
import io.acrproxy.policy.Cloud;
import io.acrproxy.policy.Mode;
import io.acrproxy.policy.Preset;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.host.HostName;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Validates the sections that decide which names may be reached (design §6.3): cloud and mode through ports. */
final class PolicySections {
    private final Checks checks;
    private final Problems problems;

    PolicySections(Checks checks) {
        this.checks = checks;
        this.problems = checks.problems();
    }

    Cloud cloud(String raw, KeyPath at) {
        return checks.value(raw, at, Cloud.AZURE_CLOUD, text -> {
            Cloud cloud = Cloud.fromConfigName(text);
            if (cloud == null) {
                throw new IllegalArgumentException(HostName.quote(text)
                        + " is not a cloud (expected: AzureCloud, AzureChinaCloud or AzureUSGovernment)");
            }
            return cloud;
        });
    }

    Mode mode(String raw, KeyPath at) {
        return checks.value(raw, at, Mode.ENFORCE, text -> switch (text) {
            case "enforce" -> Mode.ENFORCE;
            case "report" -> Mode.REPORT;
            default -> throw new IllegalArgumentException(HostName.quote(text) + " is not a mode (expected: enforce or report)");
        });
    }

    List<RegistrySpec> registries(List<WireConfig.Registry> raw, KeyPath at) {
        List<RegistrySpec> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; raw != null && i < raw.size(); i++) {
            WireConfig.Registry r = raw.get(i);
            if (r == null) {
                continue;
            }
            KeyPath entry = at.index(i);
            KeyPath nameAt = entry.key("name");
            String name = checks.value(r.name(), nameAt, null, Names::registry);
            if (r.name() == null && !problems.hasErrorsWithin(nameAt)) {
                problems.error(nameAt, "is missing (expected: a registry name of " + Names.REGISTRY_RULE + ")");
            }
            List<String> data = distinct(checks.each(r.dataEndpointRegions(), entry.key("dataEndpointRegions"), Names::region));
            List<String> geo = distinct(checks.each(r.regionalEndpointRegions(), entry.key("regionalEndpointRegions"), Names::region));
            if (name == null) {
                continue;
            }
            Integer first = seen.putIfAbsent(name, i);
            if (first != null) {
                problems.error(nameAt, HostName.quote(name) + " is listed twice, also at " + at.index(first)
                        + " (expected: one entry per registry, listing all its regions)");
                continue;
            }
            out.add(new RegistrySpec(name, data, geo));
        }
        return out;
    }

    BlobStorageSpec blobStorage(WireConfig.BlobStorage raw, KeyPath at, Cloud cloud) {
        if (raw == null) {
            return BlobStorageSpec.NONE;
        }
        KeyPath modeAt = at.key("mode");
        KeyPath accountsAt = at.key("accounts");
        BlobMode mode = checks.value(raw.mode(), modeAt, BlobMode.NONE, text -> switch (text) {
            case "none" -> BlobMode.NONE;
            case "accounts" -> BlobMode.ACCOUNTS;
            case "any" -> BlobMode.ANY;
            default -> throw new IllegalArgumentException(HostName.quote(text)
                    + " is not a blob storage mode (expected: none, accounts or any)");
        });
        List<String> accounts = distinct(checks.each(raw.accounts(), accountsAt, Names::storageAccount));
        if (problems.hasErrorsWithin(modeAt)) {
            return BlobStorageSpec.NONE;
        }
        if (mode == BlobMode.ACCOUNTS && accounts.isEmpty() && !problems.hasErrorsWithin(accountsAt)) {
            problems.error(accountsAt, "is empty (expected: at least one storage account name when blobStorage.mode is accounts)");
        }
        if (mode != BlobMode.ACCOUNTS && raw.accounts() != null && !raw.accounts().isEmpty()) {
            problems.warn(accountsAt, "ignored because blobStorage.mode is " + mode.code() + "; set mode: accounts to allow only these accounts");
        }
        if (mode == BlobMode.ANY) {
            problems.warn(modeAt, "any permits exfiltration to any storage account (*." + cloud.blobSuffix() + ")");
        }
        return new BlobStorageSpec(mode, mode == BlobMode.ACCOUNTS ? accounts : List.of());
    }

    Set<Preset> presets(List<String> raw, KeyPath at) {
        List<Preset> presets = checks.each(raw, at, text -> {
            Preset p = Preset.fromConfigName(text);
            if (p == null) {
                throw new IllegalArgumentException(HostName.quote(text) + " is not a preset (expected: mcr or iot-edge)");
            }
            return p;
        });
        return presets.isEmpty() ? EnumSet.noneOf(Preset.class) : EnumSet.copyOf(presets);
    }

    List<String> iotHubs(List<String> raw, KeyPath at, Set<Preset> presets, boolean presetsReported) {
        List<String> hubs = distinct(checks.each(raw, at, Names::iotHub));
        if (!hubs.isEmpty() && !presets.contains(Preset.IOT_EDGE) && !presetsReported) {
            problems.warn(at, "ignored without the iot-edge preset; add iot-edge to presets");
        }
        return hubs;
    }

    List<String> extraHosts(List<String> raw, KeyPath at, Cloud cloud) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; raw != null && i < raw.size(); i++) {
            KeyPath entryAt = at.index(i);
            String entry = checks.value(raw.get(i), entryAt, null, HostPatterns::normalise);
            if (entry != null) {
                warnAboutWildcard(entry, entryAt, cloud);
                out.add(entry);
            }
        }
        return List.copyOf(out);
    }

    /** Wildcards that hand out names other tenants can register (design §1: an allowlist of *.azurecr.io is an exfiltration path). */
    private void warnAboutWildcard(String entry, KeyPath at, Cloud cloud) {
        String suffix = HostPatterns.wildcardSuffix(entry);
        if (suffix == null) {
            return;
        }
        if (isAtOrBelow(suffix, cloud.registrySuffix())) {
            problems.warn(at, HostName.quote(entry) + " allows every tenant's registry under " + cloud.registrySuffix()
                    + ", not only yours; list your registries under registries instead");
        } else if (isAtOrBelow(suffix, cloud.blobSuffix())) {
            problems.warn(at, HostName.quote(entry) + " allows every storage account under " + cloud.blobSuffix()
                    + "; use blobStorage.accounts instead");
        } else if (suffix.indexOf('.') < 0) {
            problems.warn(at, HostName.quote(entry) + " allows every name directly under the top-level domain " + suffix);
        }
    }

    private static boolean isAtOrBelow(String name, String suffix) {
        return name.equals(suffix) || name.endsWith("." + suffix);
    }

    List<Integer> ports(List<Integer> raw, KeyPath at) {
        if (raw == null) {
            return ProxyConfig.DEFAULT_PORTS;
        }
        if (raw.isEmpty()) {
            problems.error(at, "is empty (expected: at least one port, e.g. [443])");
            return ProxyConfig.DEFAULT_PORTS;
        }
        Set<Integer> out = new LinkedHashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            if (raw.get(i) == null) {
                continue;
            }
            int port = checks.port(raw.get(i), at.index(i));
            if (port != 0 && !out.add(port)) {
                problems.error(at.index(i), port + " is listed twice (expected: distinct ports)");
            }
        }
        return List.copyOf(out);
    }

    static <T> List<T> distinct(List<T> values) {
        return List.copyOf(new LinkedHashSet<>(values));
    }
}
