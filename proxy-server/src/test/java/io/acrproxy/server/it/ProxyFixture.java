package io.acrproxy.server.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.acrproxy.core.dns.HostResolver;
import io.acrproxy.core.observe.AccessLog;
import io.acrproxy.server.ProxyServer;
import io.acrproxy.server.config.LoadedPolicy;
import io.acrproxy.server.config.PolicySpecs;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.LoggerFactory;

/** A proxy started in-process from YAML, on 127.0.0.1 and an ephemeral port, with its access log captured. */
final class ProxyFixture implements AutoCloseable {
    final ProxyServer server;
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ListAppender<ILoggingEvent> accessLog = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER_NAME);

    ProxyFixture(String yaml, Path dir, HostResolver dns) throws Exception {
        LoadedPolicy loaded = PolicySpecs.load(yaml, dir);
        accessLog.start();
        logger.addAppender(accessLog);
        server = ProxyServer.start(loaded.config(), new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), loaded.spec(), dns,
                registry);
    }

    InetSocketAddress address() {
        return server.address();
    }

    /** The access-log lines written so far. */
    List<String> accessLines() {
        return accessLog.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Override
    public void close() throws Exception {
        try {
            server.stop(Duration.ZERO);
        } finally {
            logger.detachAppender(accessLog);
        }
    }
}
