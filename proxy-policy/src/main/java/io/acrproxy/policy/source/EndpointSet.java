package io.acrproxy.policy.source;

import java.util.List;

/**
 * The endpoints of one registry as printed by {@code az acr show-endpoints}, as raw (not yet normalised)
 * strings; the policy compiler validates and normalises them.
 *
 * @param source            where they came from (a file path), for rule names and messages
 * @param loginServer       {@code loginServer}
 * @param dataEndpoints     {@code dataEndpoints[].endpoint}: {@code <reg>.<region>.data.<suffix>}, or
 *                          {@code *.blob.<suffix>} when the registry has no dedicated data endpoints
 * @param regionalEndpoints {@code regionalEndpoints[].endpoint}, when present
 */
public record EndpointSet(String source, String loginServer, List<String> dataEndpoints, List<String> regionalEndpoints) {
    public EndpointSet {
        dataEndpoints = List.copyOf(dataEndpoints);
        regionalEndpoints = List.copyOf(regionalEndpoints);
    }
}
