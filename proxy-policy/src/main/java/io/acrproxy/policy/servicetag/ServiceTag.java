package io.acrproxy.policy.servicetag;

import io.acrproxy.policy.net.Cidr;
import java.util.List;

/**
 * One entry of a service-tags file's {@code values[]}.
 *
 * @param name            {@code values[].name}, e.g. {@code AzureContainerRegistry.EastUS}; how tags are selected
 * @param region          {@code properties.region}, or "" when missing/null
 * @param systemService   {@code properties.systemService}, or "" when missing/null
 * @param addressPrefixes IPv4 and IPv6 prefixes
 */
public record ServiceTag(String name, String region, String systemService, List<Cidr> addressPrefixes) {
    public ServiceTag {
        addressPrefixes = List.copyOf(addressPrefixes);
    }
}
