package io.acrproxy.policy;

import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.host.HostMatcher;
import io.acrproxy.policy.net.AddressClassifier;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.CidrSet;
import io.acrproxy.policy.servicetag.ServiceTagSelection;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The compiled, immutable policy (design §6.1). Every method is a pure function of this value and its
 * arguments, so a policy can be swapped atomically while connections are being decided.
 *
 * <p>The allowlist and the mode may differ per client group (design §6.7): {@link #select} picks a connection's
 * {@link GroupPolicy}, which decides its target, server name and addresses. Clients outside every group get the
 * top-level policy, {@link #defaultGroup()}; the methods here that decide a target are the top-level policy's.
 *
 * <p>Report mode ({@link Mode#REPORT}) turns allowlist denials (port, host, IP literal, SNI, service-tag
 * verification) into {@link Verdict#WOULD_DENY}. The safety filters are enforced in every mode: the
 * destination-address filter of §6.5 (loopback, link-local metadata, {@code 168.63.129.16}, the proxy
 * itself) and the client allowlist, because report mode is for learning which names to allow, not for
 * opening the metadata service or the proxy to anyone.
 */
public final class Policy {
    /** One group's compiled allowlist, as {@link PolicyCompiler} hands it over. */
    record CompiledGroup(ClientGroupSpec group, PolicySpec spec, HostMatcher hosts, Map<String, String> registryHints) {
    }

    private final PolicySpec spec;
    private final String version;
    private final List<String> warnings;
    private final CidrSet clients;
    private final GroupPolicy defaultGroup;
    private final List<GroupPolicy> groups;
    private final Map<String, GroupPolicy> groupsByName = new HashMap<>();
    private final GroupSelector selector;

    Policy(PolicySpec spec, String version, CompiledGroup top, List<CompiledGroup> compiledGroups, List<String> warnings) {
        this.spec = spec;
        this.version = version;
        this.warnings = List.copyOf(warnings);
        AddressClassifier destinations = new AddressClassifier(spec.destinations());
        CidrSet.Builder clientSet = CidrSet.builder();
        for (Cidr c : spec.clientAllow()) {
            clientSet.add(c, "clients.allow " + c);
        }
        this.clients = clientSet.build();
        this.defaultGroup = new GroupPolicy(this, null, top.spec(), top.hosts(), top.registryHints(), destinations);
        List<GroupPolicy> list = new ArrayList<>();
        for (CompiledGroup g : compiledGroups) {
            GroupPolicy group = new GroupPolicy(this, g.group(), g.spec(), g.hosts(), g.registryHints(), destinations);
            list.add(group);
            groupsByName.put(group.name(), group);
        }
        this.groups = List.copyOf(list);
        this.selector = new GroupSelector(spec.clientGroups());
    }

    public static Policy compile(PolicySpec spec) {
        return PolicyCompiler.compile(spec);
    }

    /** Hash of the inputs; equal inputs give equal versions. */
    public String version() {
        return version;
    }

    /** The top-level mode; a group may have its own ({@link GroupPolicy#mode()}). */
    public Mode mode() {
        return spec.mode();
    }

    public PolicySpec spec() {
        return spec;
    }

    /** Load-time warnings (e.g. {@code blobStorage.mode: any}), for logs and {@code /policy}. */
    public List<String> warnings() {
        return warnings;
    }

    /** Every host pattern the top-level policy allows and the rule that allows it. */
    public List<HostMatcher.AllowedHost> allowedHosts() {
        return defaultGroup.allowedHosts();
    }

    /** The selected service tags, or {@code null}. */
    public ServiceTagSelection serviceTags() {
        return spec.serviceTags().selection();
    }

    /** The top-level policy: for clients outside every group. */
    public GroupPolicy defaultGroup() {
        return defaultGroup;
    }

    /** The configured client groups, in file order; empty without {@code clientGroups}. */
    public List<GroupPolicy> groups() {
        return groups;
    }

    /** The group named {@code name}, the top-level policy for {@value ClientGroupSpec#DEFAULT}, else {@code null}. */
    public GroupPolicy group(String name) {
        return ClientGroupSpec.DEFAULT.equals(name) ? defaultGroup : groupsByName.get(name);
    }

    /**
     * The policy for a connection from {@code client}, authenticated as {@code user} (design §6.7): the first group in
     * file order that names either, or the top-level policy.
     *
     * @param client the client's address (from the PROXY protocol header, behind a balancer)
     * @param user   the authenticated proxy user, or {@code null}
     */
    public GroupPolicy select(InetAddress client, String user) {
        return select(client, user, null);
    }

    /**
     * As {@link #select(InetAddress, String)}, for a connection on the TLS port with a verified client certificate:
     * the first group in file order that names its address, its user or its certificate (design §6.7).
     *
     * @param certificate the verified client certificate's identity (design §2.4), or {@code null}
     */
    public GroupPolicy select(InetAddress client, String user, String certificate) {
        if (groups.isEmpty()) {
            return defaultGroup;
        }
        int index = selector.select(client, user, certificate);
        return index == GroupSelector.NONE ? defaultGroup : groups.get(index);
    }

    /**
     * Stage 1 of design §2: may this client use the proxy at all? Enforced in every mode, for every group.
     */
    public Decision decideClient(InetAddress client) {
        String rule = clients.lookup(client);
        if (rule != null) {
            return Decision.allow(rule, client.getHostAddress() + " is an allowed client");
        }
        return Decision.deny(Reason.CLIENT_NOT_ALLOWED, "clients.allow",
                "client " + client.getHostAddress() + " is not in clients.allow");
    }

    /** {@link GroupPolicy#decide(Authority)} of the top-level policy. */
    public Decision decide(Authority target) {
        return defaultGroup.decide(target);
    }

    /** {@link GroupPolicy#decide(String)} of the top-level policy. */
    public Decision decide(String target) {
        return defaultGroup.decide(target);
    }

    /** {@link GroupPolicy#decideSni} of the top-level policy. */
    public Decision decideSni(Authority target, String sni) {
        return defaultGroup.decideSni(target, sni);
    }

    /** {@link GroupPolicy#decideResolved} of the top-level policy. */
    public Decision decideResolved(Authority target, InetAddress address) {
        return defaultGroup.decideResolved(target, address);
    }

    /** Prefixes of {@code clientGroups} that can never select their group: an earlier group's prefix contains them. */
    public List<ShadowedPrefix> shadowedClients() {
        return selector.shadowed();
    }
}
