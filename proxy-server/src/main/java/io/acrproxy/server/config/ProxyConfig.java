package io.acrproxy.server.config;

import io.acrproxy.core.transport.epoll.SplicePipes;
import io.acrproxy.policy.BlobStorageSpec;
import io.acrproxy.policy.Cloud;
import io.acrproxy.policy.GroupAllowlist;
import io.acrproxy.policy.Mode;
import io.acrproxy.policy.Preset;
import io.acrproxy.policy.RegistrySpec;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.policy.route.ParentProxy;
import io.acrproxy.policy.route.Routes;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The validated config (design §3): every key has its final value, defaults filled in, names normalised,
 * relative paths resolved against the config file's directory. Built only by {@link ConfigLoader}.
 *
 * <p>Each nested record mirrors one YAML section and carries that section's design §3 defaults.
 */
public record ProxyConfig(
        ListenAddress listen,
        ListenTls listenTls,
        ListenAddress admin,
        Cloud cloud,
        Mode mode,
        List<RegistrySpec> registries,
        List<Path> endpointFiles,
        boolean allowRegistryApex,
        BlobStorageSpec blobStorage,
        Set<Preset> presets,
        List<String> iotHubs,
        List<String> extraHosts,
        List<Integer> ports,
        Sni sni,
        ServiceTags serviceTags,
        Destinations destinations,
        Resolver resolver,
        Clients clients,
        Auth auth,
        Limits limits,
        Timeouts timeouts,
        boolean revokeOnReload,
        String transport,
        Relay relay,
        ProxyProtocol proxyProtocol,
        boolean logProbes,
        List<Parent> parents,
        List<RouteEntry> routes,
        List<ClientGroup> clientGroups) {

    public static final ListenAddress DEFAULT_LISTEN = new ListenAddress("0.0.0.0", IpAddresses.parse("0.0.0.0"), 3128);
    /** {@code listenTls}'s address when only its files are given: the port Squid's {@code https_port} examples use. */
    public static final ListenAddress DEFAULT_LISTEN_TLS = new ListenAddress("0.0.0.0", IpAddresses.parse("0.0.0.0"), 3129);
    public static final ListenAddress DEFAULT_ADMIN = new ListenAddress("127.0.0.1", IpAddresses.parse("127.0.0.1"), 9090);
    public static final List<Integer> DEFAULT_PORTS = List.of(443);
    /** {@code transport:} values; {@code auto} is epoll where it loads, else NIO (checked at start, not at load). */
    public static final List<String> TRANSPORTS = List.of("auto", "epoll", "io_uring", "nio");

    public ProxyConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(cloud, "cloud");
        Objects.requireNonNull(mode, "mode");
        registries = List.copyOf(registries);
        endpointFiles = List.copyOf(endpointFiles);
        Objects.requireNonNull(blobStorage, "blobStorage");
        presets = Set.copyOf(presets);
        iotHubs = List.copyOf(iotHubs);
        extraHosts = List.copyOf(extraHosts);
        ports = List.copyOf(ports);
        Objects.requireNonNull(sni, "sni");
        Objects.requireNonNull(serviceTags, "serviceTags");
        Objects.requireNonNull(destinations, "destinations");
        Objects.requireNonNull(resolver, "resolver");
        Objects.requireNonNull(clients, "clients");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(relay, "relay");
        Objects.requireNonNull(proxyProtocol, "proxyProtocol");
        parents = List.copyOf(parents);
        routes = List.copyOf(routes);
        clientGroups = List.copyOf(clientGroups);
    }

    /**
     * {@code clientGroups[]} (design §6.7).
     *
     * @param blobStorage {@code null} when the group does not set it
     * @param ports       {@code null} when the group does not set them
     * @param mode        {@code null} for the top-level mode
     */
    public record ClientGroup(String name, List<Cidr> clients, List<String> users, List<String> certificates,
                              GroupAllowlist allowlist,
                              List<RegistrySpec> registries, List<Path> endpointFiles, BlobStorageSpec blobStorage,
                              Set<Preset> presets, List<String> iotHubs, List<String> extraHosts, List<Integer> ports,
                              Mode mode) {
        public ClientGroup {
            Objects.requireNonNull(name, "name");
            clients = List.copyOf(clients);
            users = List.copyOf(users);
            certificates = List.copyOf(certificates);
            Objects.requireNonNull(allowlist, "allowlist");
            registries = List.copyOf(registries);
            endpointFiles = List.copyOf(endpointFiles);
            presets = Set.copyOf(presets);
            iotHubs = List.copyOf(iotHubs);
            extraHosts = List.copyOf(extraHosts);
            ports = ports == null ? null : List.copyOf(ports);
        }
    }

    /** The routing table of {@code parents} and {@code routes} (design §2.3). */
    public Routes routing() {
        Map<String, ParentProxy> byName = new LinkedHashMap<>();
        for (Parent p : parents) {
            byName.put(p.name(), new ParentProxy(p.name(), p.host(), p.port(), p.user(), p.password()));
        }
        List<Routes.Rule> rules = routes.stream().map(r -> new Routes.Rule(r.hosts(),
                r.via() == null ? null : r.via().stream().map(byName::get).toList())).toList();
        return new Routes(List.copyOf(byName.values()), rules);
    }

    /**
     * {@code listen.proxyProtocol} (design §2.1).
     *
     * @param trustedFrom the load balancers' source ranges; empty: the PROXY protocol is off
     */
    public record ProxyProtocol(List<Cidr> trustedFrom) {
        public static final ProxyProtocol OFF = new ProxyProtocol(List.of());

        public ProxyProtocol {
            trustedFrom = List.copyOf(trustedFrom);
        }

        public boolean enabled() {
            return !trustedFrom.isEmpty();
        }
    }

    /**
     * {@code parents[]} (design §2.3).
     *
     * @param host     a normalised host name or an IP address
     * @param user     {@code null} without credentials
     * @param password read from {@code passwordFile} or {@code passwordEnv}; {@code null} without credentials
     */
    public record Parent(String name, String host, int port, String user, String password) {
        public Parent {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(host, "host");
        }

        /** Leaves the password out: configs get logged and printed. */
        @Override
        public String toString() {
            return "Parent[" + name + " http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port
                    + (user == null ? "" : " user=" + user + " password=***") + "]";
        }
    }

    /**
     * {@code routes[]}.
     *
     * @param hosts normalised patterns: names, {@code *.suffix} or {@code *}
     * @param via   parent names, or {@code null} for {@code direct}
     */
    public record RouteEntry(List<String> hosts, List<String> via) {
        public RouteEntry {
            hosts = List.copyOf(hosts);
            via = via == null ? null : List.copyOf(via);
        }
    }

    /** {@code sni:} (design §7). */
    public record Sni(boolean required, Duration inspectTimeout, int maxClientHelloBytes) {
        public static final Sni DEFAULTS = new Sni(true, Duration.ofSeconds(10), 16384);
    }

    /**
     * {@code serviceTags:} (design §6.4).
     *
     * @param source    where the tags come from, or {@code null} when service tags are not used
     * @param cacheFile the last good copy, or {@code null}
     */
    public record ServiceTags(ServiceTagsSource source, Duration refreshInterval, Path cacheFile, List<String> tags,
                              boolean allowIpLiterals, boolean verifyResolved) {
        public static final ServiceTags DEFAULTS = new ServiceTags(null, Duration.ofHours(24), null, List.of(), false, false);

        public ServiceTags {
            Objects.requireNonNull(refreshInterval, "refreshInterval");
            tags = List.copyOf(tags);
        }
    }

    /**
     * {@code destinations:} (design §6.5).
     *
     * @param defaultDenyRanges {@code denyRanges: default}; {@link #denyRanges} is then empty, and the policy
     *                          module's defaults apply
     * @param denyRanges        an explicit list (may be empty)
     */
    public record Destinations(boolean defaultDenyRanges, List<Cidr> denyRanges, boolean allowPrivate) {
        public static final Destinations DEFAULTS = new Destinations(true, List.of(), true);

        public Destinations {
            denyRanges = List.copyOf(denyRanges);
            if (defaultDenyRanges && !denyRanges.isEmpty()) {
                throw new IllegalArgumentException("default deny ranges take no explicit list");
            }
        }
    }

    /**
     * {@code resolver:}.
     *
     * @param hosts   normalised host name to its addresses, in config order; consulted before DNS
     * @param servers the name servers to ask, in order, instead of the machine's ({@code /etc/resolv.conf});
     *                empty for the machine's
     */
    public record Resolver(Map<String, List<InetAddress>> hosts, Duration timeout, List<InetSocketAddress> servers) {
        public static final Resolver DEFAULTS = new Resolver(Map.of(), Duration.ofSeconds(5), List.of());

        public Resolver {
            Map<String, List<InetAddress>> copy = new LinkedHashMap<>();
            hosts.forEach((name, addresses) -> copy.put(name, List.copyOf(addresses)));
            hosts = Collections.unmodifiableMap(copy);
            Objects.requireNonNull(timeout, "timeout");
            servers = List.copyOf(servers);
        }

        public Resolver(Map<String, List<InetAddress>> hosts, Duration timeout) {
            this(hosts, timeout, List.of());
        }
    }

    /** {@code clients:}: the source prefixes that may use the proxy. */
    public record Clients(List<Cidr> allow) {
        /** Loopback and the private ranges; as text because {@link Cidr#parse} checks them at load. */
        public static final List<String> DEFAULT_ALLOW = List.of(
                "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7");

        public Clients {
            allow = List.copyOf(allow);
        }
    }

    /** {@code auth:}; proxy authentication is on when {@link #users} is not empty. */
    public record Auth(String realm, List<User> users) {
        public static final Auth DEFAULTS = new Auth("acr-egress-proxy", List.of());

        public Auth {
            Objects.requireNonNull(realm, "realm");
            users = List.copyOf(users);
        }

        public boolean enabled() {
            return !users.isEmpty();
        }
    }

    /** One of {@code auth.users}; the hash is in {@code PasswordHash} form. */
    public record User(String name, String passwordHash) {
        public User {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(passwordHash, "passwordHash");
        }

        /** Leaves the hash out: configs get logged and printed. */
        @Override
        public String toString() {
            return "User[name=" + name + ", passwordHash=(hidden)]";
        }
    }

    /**
     * {@code limits:}.
     *
     * @param maxMemoryPercent new connections are refused while the heap after the last collection, or the direct
     *                         memory in use, is above this share of its maximum; 100 turns the check off
     */
    public record Limits(int maxConnections, int maxConnectionsPerClient, int maxHeaderBytes, int maxMemoryPercent) {
        public static final Limits DEFAULTS = new Limits(20000, 1000, 16384, 85);
    }

    /**
     * {@code relay:}.
     *
     * @param splice           with the epoll transport, a tunnel direction that has relayed
     *                         {@code spliceAfterBytes} goes on by splice(2), socket to socket through a pipe in the
     *                         kernel, instead of copying each byte into the JVM and out again; ignored on the other
     *                         transports
     * @param spliceAfterBytes bytes a direction relays by copying before it switches: registry API calls and
     *                         idle tunnels stay below it and never pay the pipe's two file descriptors
     * @param maxSplicePipes   pipes the splicing directions may hold at once (two file descriptors and up to 64 KiB of
     *                         kernel memory each); a direction that finds none left goes on copying
     */
    public record Relay(boolean splice, int spliceAfterBytes, int maxSplicePipes) {
        public static final Relay DEFAULTS = new Relay(true, 1 << 20, SplicePipes.DEFAULT_MAX);
    }

    /** {@code timeouts:}. */
    /** @param parentRetry how long a parent that could not be reached is skipped before it is tried first again */
    public record Timeouts(Duration requestHeader, Duration upstreamConnect, Duration idle, Duration drain,
                           Duration parentRetry) {
        public static final Timeouts DEFAULTS = new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(10),
                Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    /**
     * {@code listenTls} (design §2.4): a second port where clients speak TLS to the proxy, or {@code null} when not
     * configured.
     */
    public record ListenTls(ListenAddress address, io.acrproxy.server.tls.TlsFiles files) {
    }
}
