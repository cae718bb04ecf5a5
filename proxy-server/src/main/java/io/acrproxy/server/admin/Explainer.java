package io.acrproxy.server.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.GroupPolicy;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.Verdict;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.policy.route.Route;
import io.acrproxy.policy.route.Routes;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one target through every stage the policy decides (client, target, SNI, resolved addresses) and
 * describes it as one JSON object: the {@code explain} command and {@code GET /explain} print the same.
 * It never queries DNS: addresses come from the caller or from {@code resolver.hosts}.
 */
public final class Explainer {
    private Explainer() {
    }

    /** The JSON and whether the target is allowed (report mode's would_deny counts as not allowed). */
    public record Explanation(ObjectNode json, boolean allowed) {
    }

    /**
     * @param client        the client address to check, or {@code null}
     * @param user          the authenticated proxy user, or {@code null}; with {@code client} it picks the client
     *                      group whose policy decides (design §6.7)
     * @param certificate   the identity of a client certificate on the TLS port (design §2.4), or {@code null}; it
     *                      picks the group too
     * @param sni           the ClientHello's server name, or {@code null}
     * @param addresses     resolved addresses to check; when empty, those of {@code resolverHosts}
     * @param resolverHosts {@code resolver.hosts}
     * @param routes        {@code parents} and {@code routes}: the way the target would take (design §2.3)
     */
    public static Explanation explain(Policy policy, Authority target, String sni, InetAddress client, String user,
                                      String certificate, List<InetAddress> addresses,
                                      Map<String, List<InetAddress>> resolverHosts, Routes routes) {
        GroupPolicy group = policy.select(client, user,
                certificate == null ? null : io.acrproxy.core.tls.CertificateIdentity.normalised(certificate));
        Route route = routes.route(target);
        boolean viaParents = route instanceof Route.ViaParents;
        List<InetAddress> check = new ArrayList<>(viaParents ? List.of() : addresses);
        if (check.isEmpty() && !target.isIpLiteral() && !viaParents) {
            check.addAll(resolverHosts.getOrDefault(target.host().text(), List.of()));
        }
        List<Stage> stages = new ArrayList<>();
        if (client != null) {
            stages.add(new Stage("client", IpAddresses.toText(client), policy.decideClient(client)));
        }
        stages.add(new Stage("target", target.toString(), group.decide(target)));
        if (sni != null || target.isIpLiteral()) {
            stages.add(new Stage("sni", sni, group.decideSni(target, sni)));
        }
        for (InetAddress address : check) {
            stages.add(new Stage("address", IpAddresses.toText(address), group.decideResolved(target, address)));
        }
        Stage deciding = deciding(stages);

        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("target", target.toString());
        out.put("group", group.name());
        put(out, deciding.decision());
        out.put("stage", deciding.name());
        ArrayNode stageArray = out.putArray("stages");
        for (Stage s : stages) {
            ObjectNode n = stageArray.addObject();
            n.put("stage", s.name());
            n.put("input", s.input());
            put(n, s.decision());
        }
        ObjectNode way = out.putObject("route");
        if (route instanceof Route.ViaParents via) {
            way.put("via", "parents");
            ArrayNode names = way.putArray("parents");
            via.parents().forEach(p -> names.add(p.name()));
            out.put("resolution", "not resolved here: the target goes through parent proxies, which resolve it");
        } else {
            way.put("via", "direct");
            if (check.isEmpty() && !target.isIpLiteral()) {
                out.put("resolution", "not resolved: explain does not query DNS; pass an address or add the name to resolver.hosts");
            }
        }
        way.put("rule", route.rule());
        out.put("mode", group.mode().code());
        out.put("policyVersion", policy.version());
        return new Explanation(out, deciding.decision().allowed());
    }

    private static void put(ObjectNode n, Decision d) {
        n.put("verdict", d.verdict().code());
        n.put("reason", d.reason().code());
        n.put("rule", d.rule());
        n.put("message", d.message());
    }

    /** {@code host} → {@code host:443}; {@code 2001:db8::1} → {@code [2001:db8::1]:443}; anything else unchanged. */
    public static String withDefaultPort(String target) {
        return withPort(target, 443);
    }

    /**
     * {@code HOST[:PORT]} as the command line takes it, with {@code port} where it names none: {@code host} →
     * {@code host:port}, a bare IPv6 address → {@code [addr]:port}, {@code [addr]} → {@code [addr]:port}; a target
     * with its own port stays as it is.
     */
    static String withPort(String target, int port) {
        if (target.startsWith("[")) {
            return target.endsWith("]") ? target + ":" + port : target;
        }
        long colons = target.chars().filter(c -> c == ':').count();
        if (colons == 0) {
            return target + ":" + port;
        }
        if (colons > 1 && IpAddresses.parseIpv6(target) != null) {
            return "[" + target + "]:" + port;
        }
        return target;
    }

    /** The first stage that denies, else the first that would deny, else the target stage. */
    private static Stage deciding(List<Stage> stages) {
        for (Verdict v : List.of(Verdict.DENY, Verdict.WOULD_DENY)) {
            for (Stage s : stages) {
                if (s.decision().verdict() == v) {
                    return s;
                }
            }
        }
        return stages.stream().filter(s -> s.name().equals("target")).findFirst().orElseThrow();
    }

    private record Stage(String name, String input, Decision decision) {
    }
}
