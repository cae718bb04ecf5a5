package io.acrproxy.policy.route;

import java.util.List;
import java.util.Objects;

/**
 * How an allowed target is reached (design §2.3): directly, or through parent proxies tried in order.
 */
public sealed interface Route {
    /** The routing rule that chose this route, for {@code explain} and the access log, e.g. {@code routes[0]}. */
    String rule();

    /** Connect to the target itself. */
    record Direct(String rule) implements Route {
        public Direct {
            Objects.requireNonNull(rule, "rule");
        }
    }

    /** Send {@code CONNECT} for the target's name to these parents, in order; never connect directly. */
    record ViaParents(List<ParentProxy> parents, String rule) implements Route {
        public ViaParents {
            parents = List.copyOf(parents);
            Objects.requireNonNull(rule, "rule");
            if (parents.isEmpty()) {
                throw new IllegalArgumentException("a route via parents needs at least one");
            }
        }
    }
}
