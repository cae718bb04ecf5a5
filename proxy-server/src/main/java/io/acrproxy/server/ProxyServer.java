package io.acrproxy.server;

import io.acrproxy.core.DataPlane;
import io.acrproxy.core.ProxyChannelInitializer;
import io.acrproxy.core.accept.AcceptErrorHandler;
import io.acrproxy.core.accept.ConnectionLimits;
import io.acrproxy.core.accept.MemoryGuard;
import io.acrproxy.core.accept.ProxyProtocolSettings;
import io.acrproxy.core.auth.ProxyAuthenticator;
import io.acrproxy.core.dns.HostResolver;
import io.acrproxy.core.dns.NettyHostResolver;
import io.acrproxy.core.dns.StaticHostResolver;
import io.acrproxy.core.inspect.InspectSettings;
import io.acrproxy.core.observe.AccessLog;
import io.acrproxy.core.observe.BlockedTargets;
import io.acrproxy.core.observe.ConnectionEvents;
import io.acrproxy.core.observe.ProxyMetrics;
import io.acrproxy.core.relay.OpenTunnels;
import io.acrproxy.core.relay.RelaySettings;
import io.acrproxy.core.tls.ClientTls;
import io.acrproxy.core.request.RequestSettings;
import io.acrproxy.core.transport.Transport;
import io.acrproxy.core.transport.TunnelSockets;
import io.acrproxy.core.transport.epoll.SplicePipes;
import io.acrproxy.core.upstream.ParentConnector;
import io.acrproxy.core.upstream.ParentHealth;
import io.acrproxy.core.upstream.UpstreamConnector;
import io.acrproxy.core.upstream.Upstreams;
import io.acrproxy.policy.DurationText;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.net.CidrSet;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.policy.route.Routes;
import io.acrproxy.policy.source.PolicyHolder;
import io.acrproxy.server.config.ProxyConfig;
import io.acrproxy.server.tls.ServerTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: binds {@code listen}, serves CONNECT through the data plane, and shuts down
 * gracefully (design §8): stop accepting, let open tunnels finish for up to {@code timeouts.drain}, then
 * close what is left.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);
    /** Rows of {@code /blocked}: enough for every target a fleet is refused, a fixed ~200 KB whatever the traffic. */
    static final int BLOCKED_TABLE_SIZE = 1000;
    /**
     * {@code -Dacrproxy.reusePort=false} listens on one socket with an acceptor thread even where SO_REUSEPORT is
     * available: the comparison for docs/benchmarks.md.
     */
    static final String REUSE_PORT_PROPERTY = "acrproxy.reusePort";
    /** As long as Netty's own acceptor pauses: short enough that freed descriptors are used at once. */
    private static final Duration ACCEPT_ERROR_PAUSE = Duration.ofSeconds(1);
    private static final Duration ACCEPT_ERROR_LOG_INTERVAL = Duration.ofMinutes(1);

    private final Transport transport;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final HostResolver resolver;
    private final ChannelGroup clients;
    private final Listeners server;
    /** The TLS port's sockets, or {@code null} without {@code listenTls}. */
    private final Listeners tlsServer;
    private final PolicyHolder policies;
    private final Upstreams upstreams;
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();

    private final ConnectionEvents events;
    private final OpenTunnels tunnels;
    private final ExecutorService authExecutor;
    private final Set<InetSocketAddress> ownAddresses;

    private ProxyServer(Transport transport, EventLoopGroup acceptor, EventLoopGroup workers, HostResolver resolver,
                        ChannelGroup clients, Listeners server, Listeners tlsServer, PolicyHolder policies, DataPlane plane,
                        Set<InetSocketAddress> ownAddresses, ExecutorService authExecutor) {
        this.authExecutor = authExecutor;
        this.events = plane.events();
        this.upstreams = plane.upstreams();
        this.tunnels = plane.tunnels();
        this.ownAddresses = ownAddresses;
        this.transport = transport;
        this.acceptor = acceptor;
        this.workers = workers;
        this.resolver = resolver;
        this.clients = clients;
        this.server = server;
        this.tlsServer = tlsServer;
        this.policies = policies;
    }

    /**
     * Binds and starts serving. The policy is compiled once the listening address is known, because the
     * proxy's own address is part of it (proxy-loop check); no connection is accepted before that.
     *
     * @param bind             the address to listen on: {@code listen} from the config, or port 0 in tests
     * @param resolverOverride a resolver to use instead of DNS (tests), or {@code null}
     * @param registry         where the data plane's meters go
     */
    /** {@code relay.splice}: epoll only. */
    static RelaySettings relaySettings(ProxyConfig config, Transport transport) {
        boolean splice = config.relay().splice() && transport == Transport.EPOLL;
        return new RelaySettings(config.timeouts().idle(),
                splice ? config.relay().spliceAfterBytes() : RelaySettings.NO_SPLICE,
                new SplicePipes(splice ? config.relay().maxSplicePipes() : 0));
    }

    /** Direct connections, or through the configured parent proxies along the routes (design §2.3). */
    static Upstreams upstreams(ProxyConfig config, HostResolver resolver, UpstreamConnector connector,
            ProxyMetrics metrics) {
        Routes routes = config.routing();
        if (!routes.hasParents()) {
            return Upstreams.direct(resolver, connector);
        }
        ParentHealth health = new ParentHealth(routes.parents(), config.timeouts().parentRetry(), System::nanoTime, metrics);
        return new Upstreams(resolver, connector, routes,
                new ParentConnector(resolver, connector, health, config.timeouts().upstreamConnect(), System::nanoTime));
    }

    /** {@code listen.proxyProtocol}, or {@code null} when clients connect directly. */
    static ProxyProtocolSettings proxyProtocol(ProxyConfig config) {
        if (!config.proxyProtocol().enabled()) {
            return null;
        }
        CidrSet.Builder trusted = CidrSet.builder();
        config.proxyProtocol().trustedFrom().forEach(c -> trusted.add(c, "listen.proxyProtocol.trustedFrom"));
        return new ProxyProtocolSettings(trusted.build(), config.timeouts().requestHeader());
    }

    /** The machine's name servers, or those {@code resolver.servers} names instead. */
    private static HostResolver systemOrConfiguredDns(Transport transport, ProxyConfig.Resolver settings) {
        return settings.servers().isEmpty()
                ? new NettyHostResolver(transport, settings.timeout())
                : NettyHostResolver.withNameServers(transport, settings.timeout(), settings.servers());
    }

    public static ProxyServer start(ProxyConfig config, InetSocketAddress bind, PolicySpec spec, HostResolver resolverOverride,
                                    MeterRegistry registry) throws InterruptedException, java.net.BindException {
        return start(config, bind, null, null, spec, resolverOverride, registry);
    }

    /**
     * As {@link #start(ProxyConfig, InetSocketAddress, PolicySpec, HostResolver, MeterRegistry)}, with the TLS port too.
     *
     * @param tls     {@code listenTls}'s certificate, or {@code null} for the plain port only
     * @param tlsBind where the TLS port listens (the config's {@code listenTls}, or port 0 in tests)
     */
    public static ProxyServer start(ProxyConfig config, InetSocketAddress bind, ServerTls tls, InetSocketAddress tlsBind,
                                    PolicySpec spec, HostResolver resolverOverride, MeterRegistry registry)
            throws InterruptedException, java.net.BindException {
        Transport transport = Transport.select(config.transport());
        boolean perLoop = transport.reusePortOption() != null && Boolean.parseBoolean(System.getProperty(REUSE_PORT_PROPERTY, "true"));
        EventLoopGroup acceptor = perLoop ? null : transport.newGroup(1);
        EventLoopGroup workers = transport.newGroup(0);
        HostResolver dns = resolverOverride != null ? resolverOverride : systemOrConfiguredDns(transport, config.resolver());
        HostResolver resolver = new StaticHostResolver(config.resolver().hosts(), dns);
        ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
        // PBKDF2 costs ~100 ms of CPU per verification by design: one thread of its own, never an event loop.
        ExecutorService authExecutor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "auth-verifier");
            t.setDaemon(true);
            return t;
        });
        AccessLog accessLog = new AccessLog(System::nanoTime);
        try {
            // The policy is not known before the bind (it contains the bound address), so connections wait.
            PolicyHolder policies = new PolicyHolder(Policy.compile(spec));
            ProxyMetrics metrics = new ProxyMetrics(registry);
            metrics.watch(accessLog);
            RelaySettings relay = relaySettings(config, transport);
            metrics.watch(relay.splicePipes());
            OpenTunnels openTunnels = new OpenTunnels(config.revokeOnReload());
            DataPlane plane = new DataPlane(policies,
                    new ConnectionEvents(accessLog, metrics, new BlockedTargets(BLOCKED_TABLE_SIZE), Clock.systemUTC(),
                            System::nanoTime, config.logProbes()),
                    proxyProtocol(config),
                    new ConnectionLimits(config.limits().maxConnections(), config.limits().maxConnectionsPerClient(),
                            MemoryGuard.ofThisJvm(config.limits().maxMemoryPercent(), openTunnels::queuedBytes)),
                    clients,
                    new RequestSettings(config.timeouts().requestHeader(), config.limits().maxHeaderBytes()),
                    authenticator(config, authExecutor),
                    upstreams(config, resolver, new UpstreamConnector(transport, config.timeouts().upstreamConnect()), metrics),
                    new InspectSettings(config.sni().inspectTimeout(), config.sni().maxClientHelloBytes()),
                    relay,
                    openTunnels);
            java.util.function.Function<ProxyChannelInitializer, ServerBootstrap> bootstrap = initializer -> {
                ServerBootstrap b = new ServerBootstrap()
                        .channelFactory(transport.serverChannelFactory(bind.getAddress()))
                        .option(ChannelOption.SO_BACKLOG, 1024)
                        .option(ChannelOption.AUTO_READ, false)
                        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                        // No TCP_NODELAY option: Netty sets it on every TCP channel it makes (a second setsockopt).
                        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, TunnelSockets.WATER_MARK)
                        .childOption(ChannelOption.RCVBUF_ALLOCATOR, TunnelSockets.RECV_ALLOCATOR)
                        .childHandler(initializer);
                if (perLoop) {
                    b.option(transport.reusePortOption(), true);
                }
                return b;
            };
            // Accept errors (EMFILE when file descriptors run out) pause accepting instead of spinning,
            // and are counted and logged at most once a minute.
            AcceptErrorHandler.Reporter acceptErrors = new AcceptErrorHandler.Reporter(metrics::acceptFailed,
                    ACCEPT_ERROR_LOG_INTERVAL, System::nanoTime);
            ProxyChannelInitializer plain = new ProxyChannelInitializer(plane);
            Listeners server = Listeners.bind(() -> bootstrap.apply(plain), acceptor, workers, perLoop,
                    () -> new AcceptErrorHandler(acceptErrors, ACCEPT_ERROR_PAUSE), bind);
            InetSocketAddress bound = server.address();
            Set<InetSocketAddress> own = new java.util.HashSet<>(OwnAddresses.of(bound));
            Listeners tlsServer = null;
            if (tls != null) {
                ProxyChannelInitializer encrypted = new ProxyChannelInitializer(plane,
                        new ClientTls(tls::context, config.timeouts().requestHeader(), tls.files().requireClientCert()));
                try {
                    tlsServer = Listeners.bind(() -> bootstrap.apply(encrypted), acceptor, workers, perLoop,
                            () -> new AcceptErrorHandler(acceptErrors, ACCEPT_ERROR_PAUSE), tlsBind);
                } catch (RuntimeException | InterruptedException | java.net.BindException e) {
                    server.close();
                    throw e;
                }
                own.addAll(OwnAddresses.of(tlsServer.address()));
            }
            policies.swap(Policy.compile(withOwn(spec, own)));
            registerGroups(metrics, policies.get());
            server.startAccepting();
            if (tlsServer != null) {
                tlsServer.startAccepting();
                LOG.info("listening for TLS on {}: {}, valid until {}{}", IpAddresses.toText(tlsServer.address()),
                        tls.certificate().getSubjectX500Principal().getName(), tls.certificate().getNotAfter().toInstant(),
                        tls.files().clientCaFile() == null ? "" : tls.files().requireClientCert()
                                ? "; client certificates required" : "; client certificates verified when presented");
            }
            LOG.info("listening on {} with transport {} ({}; {}), policy {} ({} mode)", IpAddresses.toText(bound),
                    transport.configName(),
                    perLoop ? server.count() + " SO_REUSEPORT sockets, one per event loop" : "one acceptor thread",
                    relay.splices() ? "relay splices after " + relay.spliceAfterBytes() + " bytes" : "relay copies",
                    policies.get().version(), policies.get().mode().code());
            return new ProxyServer(transport, acceptor, workers, resolver, clients, server, tlsServer, policies, plane,
                    Set.copyOf(own), authExecutor);
        } catch (RuntimeException | InterruptedException | java.net.BindException e) {
            authExecutor.shutdownNow();
            resolver.close();
            if (acceptor != null) {
                acceptor.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            accessLog.close();
            throw e;
        }
    }

    /** The configured {@code listen} address. */
    public static InetSocketAddress listenAddress(ProxyConfig config) {
        return new InetSocketAddress(config.listen().address(), config.listen().port());
    }

    public InetSocketAddress address() {
        return server.address();
    }

    /** The TLS port's address, or {@code null} without {@code listenTls}. */
    public InetSocketAddress tlsAddress() {
        return tlsServer == null ? null : tlsServer.address();
    }

    public Transport transport() {
        return transport;
    }

    private static ProxyAuthenticator authenticator(ProxyConfig config, ExecutorService executor) {
        if (!config.auth().enabled()) {
            return null;
        }
        Map<String, String> hashes = new HashMap<>();
        config.auth().users().forEach(u -> hashes.put(u.name(), u.passwordHash()));
        return new ProxyAuthenticator(hashes, config.auth().realm(), executor);
    }

    /** The group counters at zero before the first connection of a group (design §9.1). */
    private static void registerGroups(ProxyMetrics metrics, Policy policy) {
        metrics.registerGroups(policy.groups().stream().map(io.acrproxy.policy.GroupPolicy::name).toList());
    }

    private static PolicySpec withOwn(PolicySpec spec, Set<InetSocketAddress> own) {
        return spec.withDestinations(spec.destinations().withOwnAddresses(own));
    }

    /**
     * Compiles {@code spec} (with this server's own addresses) and makes it the policy for new connections.
     * Throws, leaving the current policy in force, when it does not compile: a reload never fails open.
     *
     * @return the policy now in force
     */
    public Policy install(PolicySpec spec) {
        Policy next = Policy.compile(withOwn(spec, ownAddresses));
        registerGroups(events.metrics(), next);
        policies.swap(next);
        LOG.info("policy {} in force ({} mode)", next.version(), next.mode().code());
        // revokeOnReload: each revoked tunnel is logged and counted when its relay ends, on its own event loop.
        int revoked = tunnels.revoke(next);
        if (revoked > 0) {
            LOG.info("revokeOnReload: closing {} open tunnel(s) that policy {} no longer allows", revoked, next.version());
        }
        return next;
    }

    /** Metrics and the blocked-target table of this server's connections. */
    public ConnectionEvents events() {
        return events;
    }

    /** The worker event loops, for event-loop metrics. */
    public EventLoopGroup workers() {
        return workers;
    }

    public PolicyHolder policies() {
        return policies;
    }

    /** The routing table (restart-only: {@code parents} and {@code routes} are read at start). */
    public Routes routes() {
        return upstreams.routes();
    }

    /** Each parent proxy and whether it is skipped now; empty without parents. */
    public List<ParentHealth.Status> parentStatuses() {
        return upstreams.parents() == null ? List.of() : upstreams.parents().health().statuses();
    }

    /** True while the listening socket accepts connections. */
    public boolean isListening() {
        return server.isActive() && !stopped.get();
    }

    /** True from the moment {@link #stop} begins: no longer accepting, open tunnels draining. */
    public boolean isStopping() {
        return stopped.get();
    }

    /** Number of open client connections. */
    public int openConnections() {
        return clients.size();
    }

    /**
     * Stops accepting, waits up to {@code drain} for open connections to end by themselves, then closes the rest.
     *
     * @return the number of connections that had to be closed
     */
    public int stop(Duration drain) throws InterruptedException {
        if (!stopped.compareAndSet(false, true)) {
            return 0;
        }
        server.close();
        if (tlsServer != null) {
            tlsServer.close();
        }
        long deadline = System.nanoTime() + drain.toNanos();
        int waiting = clients.size();
        if (waiting > 0) {
            LOG.info("stopped accepting; draining {} open connection(s) for up to {} (timeouts.drain)", waiting,
                    DurationText.of(drain));
        }
        // Polls the group's size: it is the only signal that spans every worker loop without another lock.
        while (!clients.isEmpty() && System.nanoTime() < deadline) {
            clients.newCloseFuture().await(Math.max(1, Math.min(100, (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS);
        }
        int forced = clients.size();
        if (forced > 0) {
            LOG.info("drain time over; closing {} connection(s)", forced);
            events.closingForDrain();
            clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        resolver.close();
        authExecutor.shutdownNow();
        if (acceptor != null) {
            acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        // Every connection's line is queued by now (the event loops are gone): write them before Logback stops.
        events.accessLog().close();
        return forced;
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ZERO);
    }
}
