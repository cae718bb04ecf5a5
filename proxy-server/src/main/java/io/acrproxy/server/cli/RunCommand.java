package io.acrproxy.server.cli;

import io.acrproxy.server.ProxyServer;
import io.acrproxy.server.config.ProxyConfig;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code run --config FILE} (the default command): loads everything, starts the proxy, and serves until
 * SIGTERM or SIGINT, then stops accepting and drains open tunnels for up to {@code timeouts.drain}.
 */
@Command(name = "run", description = "Run the proxy until SIGTERM/SIGINT (then drain open tunnels up to timeouts.drain).")
final class RunCommand implements Callable<Integer> {
    static final int EXIT_START_FAILED = 1;
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
        EffectivePolicy loaded = cli.loadOrReport(config);
        if (loaded == null) {
            return Cli.EXIT_BAD_INPUT;
        }
        loaded.warnings().forEach(w -> LOG.warn("config: {}", w));
        ProxyConfig cfg = loaded.config();
        ProxyServer server;
        try {
            server = ProxyServer.start(cfg, ProxyServer.listenAddress(cfg), loaded.policy().spec(), null);
        } catch (IllegalStateException e) {
            return cli.badInput("run: " + e.getMessage());
        } catch (Exception e) {
            // Netty's bind().sync() rethrows the socket's checked exception (BindException) undeclared.
            if (e instanceof SocketException) {
                cli.err().println("run: cannot listen on " + ProxyServer.listenAddress(cfg) + ": " + e.getMessage());
                cli.err().flush();
                return EXIT_START_FAILED;
            }
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                LOG.info("stopping");
                server.stop(cfg.timeouts().drain());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopped.countDown();
            }
        }, "shutdown"));
        stopped.await();
        return Cli.EXIT_OK;
    }
}
