package io.acrproxy.policy.route;

import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.host.IpLiteral;
import java.util.List;
import java.util.Objects;

/**
 * The routing table ({@code parents} and {@code routes}, design §2.3): for an allowed target, whether the proxy
 * connects to it itself or through parent proxies. Routing never allows anything: it only applies to targets the
 * policy allowed.
 *
 * <ul>
 *   <li>No parents: every target is reached directly.</li>
 *   <li>Parents and no routes: every target goes through all parents, in the order they are configured.</li>
 *   <li>Routes: the first route whose pattern matches the target's host wins. A target that matches none goes through
 *       all parents in order: with parents configured, nothing goes direct unless a route says so (no silent
 *       fallback, as Squid's {@code never_direct}).</li>
 * </ul>
 *
 * <p>Patterns: an exact host name; {@code *.suffix}, any name below {@code suffix} (any number of labels, unlike
 * {@code extraHosts}: a route chooses a way out, it does not allow anything); or {@code *}, every target, IP
 * literals included. An IP-literal target matches only {@code *}.
 */
public final class Routes {
    /** One configured route: the patterns it matches, and {@code null} parents for {@code direct}. */
    public record Rule(List<String> patterns, List<ParentProxy> via) {
        public Rule {
            patterns = List.copyOf(patterns);
            via = via == null ? null : List.copyOf(via);
        }

        boolean matches(Authority target) {
            String host = target.host().text();
            boolean ip = target.host() instanceof IpLiteral;
            for (String p : patterns) {
                if (p.equals("*")) {
                    return true;
                }
                if (ip) {
                    continue;
                }
                if (p.startsWith("*.") ? host.endsWith(p.substring(1)) : host.equals(p)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final Routes DIRECT = new Routes(List.of(), List.of());

    private final List<ParentProxy> parents;
    private final List<Rule> rules;

    /**
     * @param parents every configured parent, in order (empty: no parents)
     * @param rules   the routes in file order; their parents must be among {@code parents}
     */
    public Routes(List<ParentProxy> parents, List<Rule> rules) {
        this.parents = List.copyOf(parents);
        this.rules = List.copyOf(rules);
        for (Rule r : this.rules) {
            if (r.via() != null && !this.parents.containsAll(r.via())) {
                throw new IllegalArgumentException("a route names a parent that is not configured: " + r);
            }
        }
        if (this.parents.isEmpty() && this.rules.stream().anyMatch(r -> r.via() != null)) {
            throw new IllegalArgumentException("routes through parents need parents");
        }
    }

    /** No parents: everything direct. */
    public static Routes direct() {
        return DIRECT;
    }

    public List<ParentProxy> parents() {
        return parents;
    }

    public List<Rule> rules() {
        return rules;
    }

    /** True when parents are configured: then a target goes direct only when a route says so. */
    public boolean hasParents() {
        return !parents.isEmpty();
    }

    /** The route an allowed {@code target} takes. */
    public Route route(Authority target) {
        Objects.requireNonNull(target, "target");
        if (parents.isEmpty()) {
            return new Route.Direct("no parents");
        }
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            if (r.matches(target)) {
                String rule = "routes[" + i + "]";
                return r.via() == null ? new Route.Direct(rule) : new Route.ViaParents(r.via(), rule);
            }
        }
        return new Route.ViaParents(parents, rules.isEmpty() ? "parents" : "parents (no route matched)");
    }
}
