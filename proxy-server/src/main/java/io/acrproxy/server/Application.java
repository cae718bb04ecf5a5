package io.acrproxy.server;

import io.acrproxy.core.dns.HostResolver;
import io.acrproxy.policy.PolicySpec;
import io.acrproxy.policy.servicetag.ServiceTagsFile;
import io.acrproxy.server.admin.AdminServer;
import io.acrproxy.server.admin.AdminState;
import io.acrproxy.server.admin.PolicyMetrics;
import io.acrproxy.server.config.ProxyConfig;
import io.acrproxy.server.config.ServiceTagsSource;
import io.acrproxy.server.source.PolicyRefresher;
import io.acrproxy.server.source.RefreshListener;
import io.acrproxy.server.source.ServiceTagsFetcher;
import io.acrproxy.server.source.SourceWatcher;
import io.acrproxy.server.tls.ServerCertificate;
import io.acrproxy.server.tls.ServerTls;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole running product: the proxy, its meters (data plane, policy, JVM, Netty) in a Prometheus
 * registry, and the admin endpoints. {@code run} starts one; tests start one on ephemeral ports.
 */
public final class Application implements AutoCloseable {
    private final ProxyServer proxy;
    private final AdminServer admin;
    private final AdminState state;
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    private final SourceWatcher watcher;
    /** Follows {@code listenTls}'s files; {@code null} without a TLS port. */
    private final SourceWatcher tlsWatcher;
    /** Fetches a URL service-tags source on its schedule; {@code null} for file sources or none. */
    private final PolicyRefresher refresher;
    private static final Logger LOG = LoggerFactory.getLogger(Application.class);
    /** Editors and ConfigMap updates write in several steps; reload once they have been quiet this long. */
    static final Duration WATCH_QUIET_PERIOD = Duration.ofMillis(300);

    private Application(ProxyServer proxy, AdminServer admin, AdminState state, PrometheusMeterRegistry registry,
                        JvmGcMetrics gcMetrics, SourceWatcher watcher, SourceWatcher tlsWatcher, PolicyRefresher refresher) {
        this.watcher = watcher;
        this.tlsWatcher = tlsWatcher;
        this.refresher = refresher;
        this.proxy = proxy;
        this.admin = admin;
        this.state = state;
        this.registry = registry;
        this.gcMetrics = gcMetrics;
    }

    /**
     * @param bind      where the proxy listens (the config's {@code listen}, or port 0 in tests)
     * @param adminBind where the admin endpoints listen (the config's {@code admin}, or port 0 in tests)
     * @param dns       a resolver instead of DNS (tests), or {@code null}
     */
    public static Application start(ProxyConfig config, Path configFile, AdminState.Loaded initial, AdminState.Reloader reloader,
                                    InetSocketAddress bind, InetSocketAddress adminBind, HostResolver dns)
            throws IOException, InterruptedException {
        return start(config, configFile, initial, reloader, bind, adminBind, dns, ServiceTagsFetcher.newHttpClient());
    }

    /** @param serviceTagsClient the HTTP client for a URL service-tags source (tests trust their own CA) */
    public static Application start(ProxyConfig config, Path configFile, AdminState.Loaded initial, AdminState.Reloader reloader,
                                    InetSocketAddress bind, InetSocketAddress adminBind, HostResolver dns,
                                    HttpClient serviceTagsClient) throws IOException, InterruptedException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // promtool lints process_cpu_time_ns_total (abbreviated unit) and system_cpu_count ("_count" on a
        // gauge); process_cpu_usage and system_cpu_usage say the same in lint-clean form.
        registry.config().meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"));
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("system.cpu.count")));
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        PolicyMetrics policyMetrics = new PolicyMetrics(registry, Clock.systemUTC());

        ServerTls tls = null;
        if (config.listenTls() != null) {
            try {
                tls = ServerTls.load(config.listenTls().files(), Clock.systemUTC());
            } catch (ServerCertificate.Problem e) {
                // check-config reads the same files; they changed between the check and the start.
                throw new IllegalStateException("listenTls." + e.key() + ": " + e.getMessage(), e);
            }
            tls.bindTo(registry);
        }
        ProxyServer proxy;
        InetSocketAddress tlsBind = config.listenTls() == null ? null : config.listenTls().address().socketAddress();
        try {
            proxy = ProxyServer.start(config, bind, tls, tlsBind, initial.spec(), dns, registry);
        } catch (Exception e) {
            // Netty's bind().sync() rethrows the socket's checked exception undeclared: a BindException (NIO, the
            // SO_REUSEPORT probe) or a NativeIoException "bind(..) failed ... Address already in use" (epoll).
            if (e instanceof IOException) {
                throw new ListenException("listen", bind, e);
            }
            throw e;
        }
        NettyMetrics.bind(registry, ByteBufAllocator.DEFAULT, proxy.workers());
        policyMetrics.loaded(proxy.policies().get());
        AdminState.Reloader counted = () -> {
            try {
                return reloader.load();
            } catch (AdminState.ReloadException e) {
                policyMetrics.failed(proxy.policies().get());
                throw e;
            }
        };
        AdminState state = new AdminState(configFile, initial, counted, spec -> {
            try {
                policyMetrics.loaded(proxy.install(spec));
            } catch (IllegalArgumentException e) {
                policyMetrics.failed(proxy.policies().get());
                throw e;
            }
        }, Clock.systemUTC());
        AdminServer admin;
        SourceWatcher[] watcher = new SourceWatcher[1];
        SourceWatcher tlsWatcher = null;
        try {
            try {
                admin = AdminServer.start(adminBind, registry, proxy, state);
            } catch (IOException e) {
                throw new ListenException("admin", adminBind, e);
            }
            watcher[0] = new SourceWatcher(watchedFiles(configFile, initial.spec(), config), WATCH_QUIET_PERIOD, () -> {
                AdminState.ReloadOutcome outcome = state.reload();
                if (outcome.success()) {
                    LOG.info("reloaded after a file change: policy {}", proxy.policies().get().version());
                    try {
                        watcher[0].watch(watchedFiles(configFile, proxy.policies().get().spec(), config));
                    } catch (IOException e) {
                        LOG.warn("cannot watch the new endpoint files: {}", e.toString());
                    }
                } else {
                    LOG.warn("reload after a file change failed; policy {} stays in force: {}",
                            proxy.policies().get().version(), String.join("; ", outcome.errors()));
                }
            });
            if (tls != null) {
                // cert-manager and Key Vault rotate the files in place (or swap a Secret volume's symlink): each change
                // makes a new context for new handshakes; open tunnels keep theirs.
                tlsWatcher = new SourceWatcher(tls.files().all(), WATCH_QUIET_PERIOD, tls::reload);
            }
        } catch (IOException | RuntimeException e) {
            proxy.stop(Duration.ZERO);
            throw e;
        }
        PolicyRefresher refresher = startRefresher(config, state, policyMetrics, serviceTagsClient, watcher[0]);
        return new Application(proxy, admin, state, registry, gc, watcher[0], tlsWatcher, refresher);
    }

    /**
     * For a URL service-tags source: fetch it now and every {@code refreshInterval} (backing off after
     * failures). A download is written atomically to {@code cacheFile}, and the policy reloads from there, so a
     * restart, a reload and the refresher all read the same last good copy.
     */
    private static PolicyRefresher startRefresher(ProxyConfig config, AdminState state, PolicyMetrics metrics, HttpClient client,
                                                  SourceWatcher watcher) throws IOException {
        if (!(config.serviceTags().source() instanceof ServiceTagsSource.UrlSource url)) {
            return null;
        }
        if (config.serviceTags().cacheFile() == null) {
            LOG.warn("serviceTags.source is a URL but serviceTags.cacheFile is not set: downloads cannot be applied; set cacheFile");
            return null;
        }
        ServiceTagsFetcher fetcher = new ServiceTagsFetcher(url.url(), config.serviceTags().cacheFile(), client, Clock.systemUTC());
        ServiceTagsFile inForce;
        try {
            inForce = fetcher.loadCache().orElse(null);
        } catch (IOException e) {
            inForce = null; // a corrupt cache is replaced by the first good download
        }
        PolicyRefresher refresher = new PolicyRefresher(fetcher, config.serviceTags().refreshInterval(), Clock.systemUTC(), inForce,
                new RefreshListener() {
                    @Override
                    public void onChanged(ServiceTagsFile file) {
                        AdminState.ReloadOutcome outcome = state.reloadSources();
                        if (outcome.success()) {
                            watcher.markCurrent(); // the cache write it will see is already loaded
                        } else {
                            // Counted as a failed check: the refresher offers the file again after a backoff.
                            throw new IllegalStateException("new service tags (changeNumber " + file.changeNumber()
                                    + ") do not load: " + String.join("; ", outcome.errors()));
                        }
                    }

                    @Override
                    public void onUnchanged() {
                        metrics.serviceTagsChecked();
                    }

                    @Override
                    public void onFailed(String reason) {
                        metrics.serviceTagsCheckFailed();
                        LOG.warn("service tags from {} not refreshed; the tags in force stay: {}", url.url(), reason);
                    }
                });
        refresher.start(false);
        refresher.refreshNow();
        // POST /reload and SIGHUP "reload everything now" (design §6.6): fetch first, bounded by the fetch timeout.
        state.beforeReload(() -> {
            try {
                refresher.refreshNow().get(ServiceTagsFetcher.DEFAULT_REQUEST_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("service-tags fetch before reload did not finish: {}", e.toString());
            }
        });
        return refresher;
    }

    /** The config file, the endpoint files and the service-tags file (or a URL source's cache): what a change on disk reloads. */
    private static List<Path> watchedFiles(Path configFile, PolicySpec spec, ProxyConfig config) {
        List<Path> files = new ArrayList<>();
        files.add(configFile.toAbsolutePath());
        spec.allEndpointSets().forEach(e -> files.add(Path.of(e.source()).toAbsolutePath()));
        if (config.serviceTags().source() instanceof ServiceTagsSource.FileSource f) {
            files.add(f.path().toAbsolutePath());
        } else if (config.serviceTags().cacheFile() != null) {
            files.add(config.serviceTags().cacheFile().toAbsolutePath()); // a URL source is read from its cache
        }
        return files;
    }

    public ProxyServer proxy() {
        return proxy;
    }

    public AdminServer admin() {
        return admin;
    }

    public AdminState state() {
        return state;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Stops the proxy (draining for up to {@code drain}), then the admin endpoints: while tunnels drain, {@code /readyz}
     * says {@code draining} and {@code /metrics} shows them end (design §8.5).
     */
    public void stop(Duration drain) throws InterruptedException {
        if (refresher != null) {
            refresher.close();
        }
        try {
            watcher.close();
            if (tlsWatcher != null) {
                tlsWatcher.close();
            }
        } catch (IOException e) {
            LOG.debug("closing the file watcher: {}", e.toString());
        }
        proxy.stop(drain);
        admin.close();
        gcMetrics.close();
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ZERO);
    }
}
