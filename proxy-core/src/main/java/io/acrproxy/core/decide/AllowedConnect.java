package io.acrproxy.core.decide;

import io.acrproxy.policy.Decision;
import io.acrproxy.policy.GroupPolicy;
import io.acrproxy.policy.host.Authority;

/**
 * A CONNECT the policy permits, passed from the decision stage to the upstream stage.
 *
 * @param target   the parsed, normalised {@code host:port}
 * @param decision the permitting decision: allow, or would_deny in report mode
 * @param policy   the policy that decided, as it applies to the connection's client group (design §6.7); the later
 *                 checks of this connection (addresses, server name) use it too, so a reload in between never mixes
 *                 two policies, or two groups, in one decision
 */
public record AllowedConnect(Authority target, Decision decision, GroupPolicy policy) {
}
