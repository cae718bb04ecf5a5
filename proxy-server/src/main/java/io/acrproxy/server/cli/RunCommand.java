package io.acrproxy.server.cli;

import ch.qos.logback.classic.LoggerContext;
import io.acrproxy.server.Application;
import io.acrproxy.server.ListenException;
import io.acrproxy.server.ProxyServer;
import io.acrproxy.server.admin.AdminState;
import io.acrproxy.server.config.ProxyConfig;
import io.acrproxy.server.source.ServiceTagsBootstrap;
import io.acrproxy.server.source.ServiceTagsFetcher;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code run --config FILE} (the default command): loads everything, starts the proxy and its admin
 * endpoints, and serves until SIGTERM or SIGINT, then stops accepting and drains open tunnels for up to
 * {@code timeouts.drain}. SIGHUP reloads the configuration, like {@code POST /reload}.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the proxy until SIGTERM/SIGINT (then drain open tunnels up to timeouts.drain); SIGHUP reloads.")
final class RunCommand implements Callable<Integer> {
    static final int EXIT_START_FAILED = 1;
    private static final long LOG_STOP_MILLIS = 2000;
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "config/acr-egress-proxy.yaml",
            description = "configuration file (default: ${DEFAULT-VALUE})")
    Path config;

    private final Cli cli;

    RunCommand(Cli cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        ServiceTagsBootstrap.ensureCache(config, ServiceTagsFetcher.newHttpClient());
        EffectivePolicy loaded = cli.loadOrReport(config);
        if (loaded == null) {
            return Cli.EXIT_BAD_INPUT;
        }
        loaded.warnings().forEach(w -> LOG.warn("config: {}", w));
        ProxyConfig cfg = loaded.config();
        // SIGHUP is the traditional "reload your configuration" (design §6.6); sun.misc.Signal is the JDK's only way to
        // catch it. Caught from before the start: the JVM's default for SIGHUP is to exit (129), so one that arrived
        // while the proxy was starting killed it (found by RunCommandIT). It is then remembered and done once started.
        AtomicReference<Application> started = new AtomicReference<>();
        AtomicBoolean reloadPending = new AtomicBoolean();
        Signal.handle(new Signal("HUP"), signal -> {
            reloadPending.set(true);
            Application running = started.get();
            // Whoever takes the flag reloads: this handler once started, else the main thread when it has started.
            if (running != null && reloadPending.getAndSet(false)) {
                reloadOnSignal(running);
            }
        });
        Application app;
        try {
            app = Application.start(cfg, config, toLoaded(loaded), () -> reload(config),
                    ProxyServer.listenAddress(cfg), new InetSocketAddress(cfg.admin().address(), cfg.admin().port()), null);
        } catch (IllegalStateException e) {
            return cli.badInput("run: " + e.getMessage());
        } catch (ListenException e) {
            cli.err().println("run: " + e.getMessage());
            cli.err().flush();
            return EXIT_START_FAILED;
        }
        started.set(app);
        if (reloadPending.getAndSet(false)) {
            reloadOnSignal(app);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                LOG.info("stopping");
                app.stop(cfg.timeouts().drain());
                LOG.info("stopped");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopLogging();
                stopped.countDown();
            }
        }, "shutdown"));
        stopped.await();
        return Cli.EXIT_OK;
    }

    private static void reloadOnSignal(Application app) {
        if (app.proxy().isStopping()) {
            LOG.info("SIGHUP: ignored, the proxy is stopping"); // the drain serves the policy in force to its end
            return;
        }
        AdminState.ReloadOutcome outcome = app.state().reload();
        if (outcome.success()) {
            LOG.info("SIGHUP: configuration reloaded");
        } else {
            LOG.warn("SIGHUP: reload failed, the previous policy stays in force: {}", outcome.errors());
        }
    }

    /**
     * app.stop() wrote the access log's queue out (for up to 5 s); this flushes and closes Logback's appenders, for up
     * to 2 s. Bounded, because a log reader that stopped reading blocks every write to its pipe: the flush would wait
     * for ever and the process would never exit after SIGTERM (found by BlockedLogIT).
     */
    private static void stopLogging() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext logback)) {
            return;
        }
        Thread stop = new Thread(logback::stop, "stop-logging");
        stop.setDaemon(true);
        stop.start();
        try {
            stop.join(LOG_STOP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static AdminState.Loaded toLoaded(EffectivePolicy p) {
        return new AdminState.Loaded(p.policy().spec(), p.warnings(), p.resolverHosts());
    }

    private static AdminState.Loaded reload(Path config) throws AdminState.ReloadException {
        try {
            return toLoaded(new ConfigPolicyLoader().load(config));
        } catch (PolicyLoadException e) {
            throw new AdminState.ReloadException(e.errors());
        }
    }
}
