package io.acrproxy.policy;

import java.util.List;

/**
 * One entry of {@code registries:}.
 *
 * @param name                    the registry name (5–50 lowercase letters and digits)
 * @param dataEndpointRegions     regions of dedicated data endpoints {@code <name>.<region>.data.<suffix>};
 *                                {@code "*"} matches any one label
 * @param regionalEndpointRegions regions of {@code <name>.<region>.geo.<suffix>}; {@code "*"} likewise
 */
public record RegistrySpec(String name, List<String> dataEndpointRegions, List<String> regionalEndpointRegions) {
    public RegistrySpec {
        dataEndpointRegions = List.copyOf(dataEndpointRegions);
        regionalEndpointRegions = List.copyOf(regionalEndpointRegions);
    }

    public static RegistrySpec named(String name) {
        return new RegistrySpec(name, List.of(), List.of());
    }
}
