package io.acrproxy.policy;

import io.acrproxy.policy.net.Cidr;

/**
 * A prefix in {@code clientGroups[].clients} that can never select its group, because a prefix of an earlier group
 * contains it: the first group in file order wins (design §6.7).
 */
public record ShadowedPrefix(String group, Cidr prefix, String earlierGroup, Cidr earlierPrefix) {
    /** Every shadowed prefix of {@code groups}, in file order. */
    public static java.util.List<ShadowedPrefix> find(java.util.List<ClientGroupSpec> groups) {
        return new GroupSelector(groups).shadowed();
    }
}
