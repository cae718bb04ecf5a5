package io.acrproxy.policy;

import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.host.HostMatcher;
import io.acrproxy.policy.host.HostName;
import io.acrproxy.policy.host.InvalidHostException;
import io.acrproxy.policy.host.IpLiteral;
import io.acrproxy.policy.net.AddressClassifier;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The policy as it applies to one client group (design §6.7), or to every client outside the groups (the top-level
 * policy, named {@value ClientGroupSpec#DEFAULT}): the group's allowlist and mode, with the global destination filter,
 * server-name rules and service tags. Immutable, like the {@link Policy} it belongs to; an allowed CONNECT allocates
 * nothing to be decided.
 */
public final class GroupPolicy {
    private final Policy policy;
    private final String name;
    private final ClientGroupSpec group;
    private final PolicySpec spec;
    private final HostMatcher hosts;
    private final Map<String, String> registryHints;
    private final AddressClassifier destinations;
    private final String portsText;
    /** Indexed by port: a bit set rather than {@code Set<Integer>}, so the hot path neither boxes nor hashes. */
    private final boolean[] allowedPorts = new boolean[65536];
    /** One preallocated decision per allow rule: an allowed CONNECT allocates nothing to be decided. */
    private final Map<String, Decision> allowDecisions;
    private final String registrySuffixDot;
    private final String blobSuffixDot;

    /**
     * @param group the group's own entry, or {@code null} for the top-level policy
     * @param spec  what the group's allowlist and mode were compiled from (for a group, {@code ClientGroupSpec.effective})
     */
    GroupPolicy(Policy policy, ClientGroupSpec group, PolicySpec spec, HostMatcher hosts, Map<String, String> registryHints,
                AddressClassifier destinations) {
        this.policy = policy;
        this.name = group == null ? ClientGroupSpec.DEFAULT : group.name();
        this.group = group;
        this.spec = spec;
        this.hosts = hosts;
        this.registryHints = Map.copyOf(registryHints);
        this.destinations = destinations;
        this.portsText = new TreeSet<>(spec.ports()).toString();
        spec.ports().forEach(port -> allowedPorts[port] = true);
        Map<String, Decision> decisions = new HashMap<>();
        for (HostMatcher.AllowedHost h : hosts.allowed()) {
            decisions.computeIfAbsent(h.rule(), rule -> Decision.allow(rule, "allowed by " + rule));
        }
        this.allowDecisions = Map.copyOf(decisions);
        this.registrySuffixDot = "." + spec.cloud().registrySuffix();
        this.blobSuffixDot = "." + spec.cloud().blobSuffix();
    }

    /** The group's name, or {@value ClientGroupSpec#DEFAULT} for the top-level policy. */
    public String name() {
        return name;
    }

    /** The group's config entry, or {@code null} for the top-level policy. */
    public ClientGroupSpec group() {
        return group;
    }

    public boolean isDefault() {
        return group == null;
    }

    /** The whole policy this group belongs to (its version, the global rules). */
    public Policy policy() {
        return policy;
    }

    public Mode mode() {
        return spec.mode();
    }

    /** The allowed ports, sorted. */
    public List<Integer> ports() {
        return List.copyOf(new TreeSet<>(spec.ports()));
    }

    /** Every allowed host pattern and the rule that allows it, for {@code /policy} and firewall rules. */
    public List<HostMatcher.AllowedHost> allowedHosts() {
        return hosts.allowed();
    }

    /**
     * Stage 5 of design §2: the decision for a CONNECT target, before resolution. For an IP literal the
     * destination filter is applied too, since there is nothing to resolve.
     */
    public Decision decide(Authority target) {
        Decision allowlist = decideAllowlist(target).under(spec.mode());
        if (allowlist.permits() && target.host() instanceof IpLiteral ip) {
            Decision destination = destinations.classify(ip.address(), target.port());
            if (!destination.allowed()) {
                return destination;
            }
        }
        return allowlist;
    }

    /** Parses a raw request-target and decides it; a malformed target is {@link Reason#MALFORMED_REQUEST}. */
    public Decision decide(String target) {
        Authority authority;
        try {
            authority = Authority.parse(target);
        } catch (InvalidHostException e) {
            return Decision.deny(Reason.MALFORMED_REQUEST, "authority grammar", e.getMessage());
        }
        return decide(authority);
    }

    private Decision decideAllowlist(Authority target) {
        if (!allowedPorts[target.port()]) {
            return Decision.deny(Reason.PORT_NOT_ALLOWED, "ports " + portsText,
                    "port " + target.port() + " is not allowed (allowed: " + portsText.substring(1, portsText.length() - 1) + ")");
        }
        if (target.host() instanceof IpLiteral ip) {
            return decideIpLiteral(ip);
        }
        String host = target.host().text();
        String rule = hosts.match(host);
        if (rule != null) {
            return allowDecisions.get(rule);
        }
        return denyHost(host);
    }

    private Decision decideIpLiteral(IpLiteral ip) {
        ServiceTagRules tags = policy.spec().serviceTags();
        if (!tags.allowIpLiterals()) {
            return Decision.deny(Reason.IP_LITERAL_NOT_ALLOWED, "serviceTags.allowIpLiterals: false",
                    ip.text() + " is an IP address; CONNECT to IP addresses is not allowed, use the registry's host name");
        }
        String tag = tags.selection().set().lookup(ip.address());
        if (tag == null) {
            return Decision.deny(Reason.IP_LITERAL_NOT_ALLOWED, "service tags " + tags.selection().names(),
                    ip.text() + " is not in the selected service tags");
        }
        return Decision.allow("service tag " + tag, ip.text() + " is in service tag " + tag + " (the TLS SNI must name an allowed host)");
    }

    private Decision denyHost(String host) {
        if (host.endsWith(registrySuffixDot)) {
            String hint = registryHints.get(firstLabel(host));
            return Decision.deny(Reason.HOST_NOT_ALLOWED, "default deny under " + spec.cloud().registrySuffix(),
                    host + " is not an allowed registry endpoint" + (hint != null ? " (" + hint + ")" : ""));
        }
        if (host.endsWith(blobSuffixDot)) {
            return Decision.deny(Reason.HOST_NOT_ALLOWED, "default deny under " + spec.cloud().blobSuffix(),
                    host + " is not an allowed storage account (blobStorage.mode: " + spec.blobStorage().mode().code() + ")");
        }
        return Decision.deny(Reason.HOST_NOT_ALLOWED, "default deny", host + " is not an allowed host");
    }

    private static String firstLabel(String host) {
        int dot = host.indexOf('.');
        return dot < 0 ? host : host.substring(0, dot);
    }

    /**
     * Stage 7 of design §2 (design §7): does the ClientHello's server name fit the CONNECT target?
     *
     * @param target the CONNECT target, already allowed by {@link #decide(Authority)}
     * @param sni    the raw {@code host_name} of the ClientHello (the outer one with ECH), or {@code null} when absent
     */
    public Decision decideSni(Authority target, String sni) {
        boolean ipTarget = target.host() instanceof IpLiteral;
        if (sni == null) {
            if (ipTarget) {
                // design §6.4: an IP-literal tunnel is only as good as the name in its ClientHello.
                return Decision.deny(Reason.SNI_MISSING, "serviceTags.allowIpLiterals",
                        "the TLS ClientHello has no server name; CONNECT to an IP address needs one").under(spec.mode());
            }
            if (spec.sniRequired()) {
                return Decision.deny(Reason.SNI_MISSING, "sni.required",
                        "the TLS ClientHello has no server name (sni.required is on)").under(spec.mode());
            }
            return Decision.allow("sni.required: false", "no server name, and sni.required is off");
        }
        String serverName;
        try {
            serverName = HostName.normalise(sni);
        } catch (InvalidHostException e) {
            return Decision.deny(Reason.CLIENT_HELLO_MALFORMED, "server_name", "invalid TLS server name: " + e.getMessage());
        }
        if (ipTarget) {
            String rule = hosts.match(serverName);
            if (rule == null) {
                return Decision.deny(Reason.SNI_MISMATCH, "SNI of an IP-literal CONNECT",
                        "TLS server name " + serverName + " is not an allowed host").under(spec.mode());
            }
            return Decision.allow(rule, "TLS server name " + serverName + " is allowed");
        }
        if (!serverName.equals(target.host().text())) {
            // Domain fronting: an allowed CONNECT host with a ClientHello naming another host behind the same IP.
            return Decision.deny(Reason.SNI_MISMATCH, "SNI must match the CONNECT host",
                    "TLS server name " + serverName + " does not match the CONNECT host " + target.host().text()).under(spec.mode());
        }
        return Decision.allow("SNI matches the CONNECT host", "TLS server name matches");
    }

    /**
     * Stage 6 of design §2: may the tunnel to {@code target} use this resolved address? Applies the
     * destination filter (§6.5, enforced in every mode) and, with {@code verifyResolved}, the service tags.
     */
    public Decision decideResolved(Authority target, InetAddress address) {
        Decision destination = destinations.classify(address, target.port());
        if (!destination.allowed()) {
            return destination;
        }
        ServiceTagRules tags = policy.spec().serviceTags();
        if (tags.verifyResolved() && !(target.host() instanceof IpLiteral)) {
            String tag = tags.selection().set().lookup(address);
            if (tag == null) {
                return Decision.deny(Reason.DESTINATION_PROHIBITED, "serviceTags.verifyResolved",
                        target.host().text() + " resolved to " + address.getHostAddress() + ", which is not in the selected service tags")
                        .under(spec.mode());
            }
            return Decision.allow("service tag " + tag, address.getHostAddress() + " is in service tag " + tag);
        }
        return destination;
    }
}
