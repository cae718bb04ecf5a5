package io.acrproxy.server.suggest;

import java.util.Map;
import java.util.TreeMap;

/**
 * What the access log shows one client group (or the clients outside every group, {@code default}) reaching, sorted
 * by what it would become in the config: registries with their endpoint regions, storage accounts, presets, IoT hubs,
 * other hosts, ports; who the group's clients were; and what was refused and is therefore not proposed.
 */
final class GroupEvidence {
    /** One registry: its login server and the data (and geo) endpoint regions seen. */
    static final class Registry {
        final Evidence loginServer = new Evidence();
        final Map<String, Evidence> dataRegions = new TreeMap<>();
        final Map<String, Evidence> geoRegions = new TreeMap<>();
    }

    final String name;
    final Map<String, Registry> registries = new TreeMap<>();
    final Map<String, Evidence> storageAccounts = new TreeMap<>();
    final Evidence mcr = new Evidence();
    final Evidence deviceProvisioning = new Evidence();
    final Map<String, Evidence> iotHubs = new TreeMap<>();
    final Map<String, Evidence> extraHosts = new TreeMap<>();
    final Map<Integer, Evidence> ports = new TreeMap<>();
    final Map<String, Evidence> users = new TreeMap<>();
    final Map<String, Evidence> clients = new TreeMap<>();
    /** {@code host:port}, with why it is not proposed. */
    final Map<String, Evidence> notProposed = new TreeMap<>();
    long proposedTunnels;

    GroupEvidence(String name) {
        this.name = name;
    }

    Registry registry(String name) {
        return registries.computeIfAbsent(name, n -> new Registry());
    }

    boolean proposesAnything() {
        return !registries.isEmpty() || !storageAccounts.isEmpty() || mcr.count() > 0 || deviceProvisioning.count() > 0
                || !iotHubs.isEmpty() || !extraHosts.isEmpty();
    }
}
