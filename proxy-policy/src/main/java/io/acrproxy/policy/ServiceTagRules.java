package io.acrproxy.policy;

import io.acrproxy.policy.servicetag.ServiceTagSelection;

/**
 * The service-tag part of the policy (design §6.4).
 *
 * @param selection       the selected tags, or {@code null} when no service tags are configured
 * @param allowIpLiterals CONNECT to an IP literal inside the selected tags is allowed
 * @param verifyResolved  resolved addresses of allowed names must lie in the selected tags
 */
public record ServiceTagRules(ServiceTagSelection selection, boolean allowIpLiterals, boolean verifyResolved) {
    public static final ServiceTagRules NONE = new ServiceTagRules(null, false, false);

    public ServiceTagRules {
        if ((allowIpLiterals || verifyResolved) && selection == null) {
            throw new IllegalArgumentException("allowIpLiterals and verifyResolved need selected service tags");
        }
    }
}
