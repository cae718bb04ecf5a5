package io.acrproxy.core.decide;

import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.host.Authority;

/**
 * A CONNECT the policy permits, passed from the decision stage to the upstream stage.
 *
 * @param target   the parsed, normalised {@code host:port}
 * @param decision the permitting decision: allow, or would_deny in report mode
 * @param policy   the policy that decided; the later checks of this connection (addresses, server name) use it
 *                 too, so a reload in between never mixes two policies in one decision
 */
public record AllowedConnect(Authority target, Decision decision, Policy policy) {
}
