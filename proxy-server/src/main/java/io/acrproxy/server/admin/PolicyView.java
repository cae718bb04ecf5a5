package io.acrproxy.server.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.acrproxy.core.upstream.ParentHealth;
import io.acrproxy.policy.GroupPolicy;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.host.HostMatcher.AllowedHost;
import io.acrproxy.policy.net.AddressClassifier;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.policy.route.Routes;
import io.acrproxy.policy.servicetag.ServiceTagSelection;
import java.time.Duration;
import java.util.TreeSet;

/** {@code GET /policy}: the effective rules, where they came from, and what to worry about (design §10). */
final class PolicyView {
    private PolicyView() {
    }

    static ObjectNode of(Policy policy, AdminState state) {
        return of(policy, state, java.util.List.of(), Routes.direct());
    }

    /**
     * @param parents each parent proxy with its state now (design §2.3); credentials appear as the user name and
     *                {@code "password": "***"}, never the password
     */
    static ObjectNode of(Policy policy, AdminState state, java.util.List<ParentHealth.Status> parents, Routes routes) {
        PolicySpec spec = policy.spec();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("version", policy.version());
        out.put("mode", policy.mode().code());
        out.put("cloud", spec.cloud().configName());
        ObjectNode blob = out.putObject("blobStorage");
        blob.put("mode", spec.blobStorage().mode().code());
        spec.blobStorage().accounts().forEach(blob.putArray("accounts")::add);
        new TreeSet<>(spec.ports()).forEach(out.putArray("ports")::add);
        out.put("sniRequired", spec.sniRequired());
        ArrayNode hosts = out.putArray("allowedHosts");
        for (AllowedHost h : policy.allowedHosts()) {
            hosts.addObject().put("pattern", h.pattern()).put("rule", h.rule());
        }
        if (!policy.groups().isEmpty()) {
            ArrayNode groups = out.putArray("clientGroups");
            for (GroupPolicy g : policy.groups()) {
                ObjectNode n = groups.addObject();
                n.put("name", g.name());
                g.group().clients().stream().map(Cidr::toString).forEach(n.putArray("clients")::add);
                new TreeSet<>(g.group().users()).forEach(n.putArray("users")::add);
                new TreeSet<>(g.group().certificates()).forEach(n.putArray("certificates")::add);
                n.put("allowlist", g.group().allowlist().code());
                n.put("mode", g.mode().code());
                g.ports().forEach(n.putArray("ports")::add);
                ArrayNode groupHosts = n.putArray("allowedHosts");
                for (AllowedHost h : g.allowedHosts()) {
                    groupHosts.addObject().put("pattern", h.pattern()).put("rule", h.rule());
                }
            }
            out.put("otherClients", "the top-level policy above (group \"default\")");
        }
        ObjectNode tags = out.putObject("serviceTags");
        ServiceTagSelection selection = policy.serviceTags();
        if (selection != null) {
            selection.names().forEach(tags.putArray("tags")::add);
            tags.put("changeNumber", selection.changeNumber());
            tags.put("cloud", selection.cloud());
            tags.put("prefixes", selection.prefixes().size());
        }
        tags.put("allowIpLiterals", spec.serviceTags().allowIpLiterals());
        tags.put("verifyResolved", spec.serviceTags().verifyResolved());
        ObjectNode destinations = out.putObject("destinations");
        spec.destinations().denyRanges().stream().map(Cidr::toString).forEach(destinations.putArray("denyRanges")::add);
        destinations.put("allowPrivate", spec.destinations().allowPrivate());
        // What the filter applies, from the same list it is built from (design §6.5): not only the configured ranges.
        ArrayNode prohibited = destinations.putArray("prohibited");
        for (AddressClassifier.ProhibitedRange r : AddressClassifier.prohibitedRanges(spec.destinations())) {
            prohibited.addObject().put("range", r.range().toString()).put("what", r.description());
        }
        AddressClassifier.IPV4_CARRIERS.forEach(destinations.putArray("embeddedIpv4JudgedIn")::add);
        spec.destinations().ownAddresses().stream().map(IpAddresses::toText).sorted().forEach(destinations.putArray("ownListeningSockets")::add);
        if (!parents.isEmpty()) {
            ArrayNode parentArray = out.putArray("parents");
            for (ParentHealth.Status s : parents) {
                ObjectNode p = parentArray.addObject();
                p.put("name", s.parent().name());
                p.put("url", s.parent().url());
                if (s.parent().user() != null) {
                    p.put("user", s.parent().user());
                    p.put("password", "***");
                }
                p.put("state", s.skipped() ? "skipped" : "up");
                if (s.skipped()) {
                    p.put("skippedForSeconds", (s.skippedForMillis() + 999) / 1000);
                }
                if (s.lastFailure() != null) {
                    p.put("lastFailure", s.lastFailure());
                }
            }
        }
        if (routes.hasParents()) {
            ArrayNode routeArray = out.putArray("routes");
            for (Routes.Rule r : routes.rules()) {
                ObjectNode n = routeArray.addObject();
                r.patterns().forEach(n.putArray("hosts")::add);
                if (r.via() == null) {
                    n.put("via", "direct");
                } else {
                    r.via().forEach(p -> n.withArray("via").add(p.name()));
                }
            }
            out.put("otherTargets", "through " + String.join(", ", routes.parents().stream().map(p -> p.name()).toList())
                    + " (never direct)");
        }
        ArrayNode warnings = out.putArray("warnings");
        state.warnings().forEach(warnings::add);
        policy.warnings().forEach(warnings::add);
        ObjectNode sources = out.putObject("sources");
        sources.put("configFile", String.valueOf(state.configFile().toAbsolutePath().normalize()));
        sources.put("loadedAt", state.loadedAt().toString());
        sources.put("ageSeconds", Duration.between(state.loadedAt(), state.clock().instant()).toSeconds());
        spec.allEndpointSets().forEach(e -> sources.withArray("endpointFiles").add(e.source()));
        AdminState.ReloadOutcome last = state.lastReload();
        if (last != null) {
            ObjectNode reload = sources.putObject("lastReload");
            reload.put("at", last.at().toString());
            reload.put("result", last.success() ? "success" : "failure");
            last.errors().forEach(reload.putArray("errors")::add);
        }
        return out;
    }
}
