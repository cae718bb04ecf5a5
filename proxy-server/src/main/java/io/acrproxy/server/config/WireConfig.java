package io.acrproxy.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The config file as written (design §3): one record per YAML map, one component per key, in the order of
 * design §3. Types are deliberately loose — boxed numbers and booleans, durations and enum values as strings,
 * {@link JsonNode} where a key takes two shapes — because {@link ConfigValidator} does the checking and
 * reports every problem with its key path.
 *
 * <p>A {@code null} component means the key was absent, was written as {@code null}, or had the wrong type
 * (already reported by {@link WireBinder}). A {@code null} list element or map value was always reported.
 */
record WireConfig(
        Listen listen,
        ListenTls listenTls,
        Address admin,
        String cloud,
        String mode,
        List<Registry> registries,
        List<String> endpointFiles,
        Boolean allowRegistryApex,
        BlobStorage blobStorage,
        List<String> presets,
        List<String> iotHubs,
        List<String> extraHosts,
        List<Integer> ports,
        Sni sni,
        ServiceTags serviceTags,
        Destinations destinations,
        Resolver resolver,
        Clients clients,
        Auth auth,
        Limits limits,
        Timeouts timeouts,
        Boolean revokeOnReload,
        String transport,
        Relay relay,
        List<Parent> parents,
        List<RouteEntry> routes,
        List<ClientGroup> clientGroups) {

    /** {@code clientGroups[]}: who is in the group, and its own allowlist and mode (design §6.7). */
    record ClientGroup(String name, List<String> clients, List<String> users, List<String> certificates, String allowlist,
                       List<Registry> registries, List<String> endpointFiles, BlobStorage blobStorage,
                       List<String> presets, List<String> iotHubs, List<String> extraHosts, List<Integer> ports,
                       String mode) {
    }

    /** {@code admin:}. */
    record Address(String address, Integer port) {
    }

    /** {@code listen:}: an address, and what the listening socket accepts besides plain clients. */
    record Listen(String address, Integer port, ProxyProtocol proxyProtocol, Boolean logProbes) {
    }

    record ProxyProtocol(List<String> trustedFrom) {
    }

    /** {@code listenTls:}: the TLS port and its files (design §2.4). */
    record ListenTls(String address, Integer port, String certFile, String keyFile, String clientCaFile,
                     Boolean requireClientCert) {
    }

    /** {@code parents[]}: {@code url} is {@code http://host:port}; the password comes from a file or a variable. */
    record Parent(String name, String url, String user, String passwordFile, String passwordEnv) {
    }

    /** {@code routes[]}: {@code via} is {@code direct} or a list of parent names. */
    record RouteEntry(List<String> hosts, JsonNode via) {
    }

    record Registry(String name, List<String> dataEndpointRegions, List<String> regionalEndpointRegions) {
    }

    record BlobStorage(String mode, List<String> accounts) {
    }

    record Sni(Boolean required, String inspectTimeout, Integer maxClientHelloBytes) {
    }

    record ServiceTags(String source, String refreshInterval, String cacheFile, List<String> tags,
                       Boolean allowIpLiterals, Boolean verifyResolved) {
    }

    /** {@code denyRanges} is the string {@code default} or a list of CIDR prefixes. */
    record Destinations(JsonNode denyRanges, Boolean allowPrivate) {
    }

    /** Each {@code hosts} value is one address or a list of addresses. */
    record Resolver(Map<String, JsonNode> hosts, String timeout, List<String> servers) {
    }

    record Clients(List<String> allow) {
    }

    record Auth(String realm, List<User> users) {
    }

    record User(String name, String passwordHash) {
    }

    record Limits(Integer maxConnections, Integer maxConnectionsPerClient, Integer maxHeaderBytes, Integer maxMemoryPercent) {
    }

    record Timeouts(String requestHeader, String upstreamConnect, String idle, String drain, String parentRetry) {
    }

    record Relay(Boolean splice, Integer spliceAfterBytes, Integer maxSplicePipes) {
    }
}
