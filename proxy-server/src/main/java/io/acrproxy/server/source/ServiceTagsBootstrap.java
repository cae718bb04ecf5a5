package io.acrproxy.server.source;

import io.acrproxy.server.config.ConfigException;
import io.acrproxy.server.config.ConfigLoader;
import io.acrproxy.server.config.ProxyConfig;
import io.acrproxy.server.config.ServiceTagsSource;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before the first start with a URL service-tags source there is no {@code cacheFile} yet, and the policy is
 * loaded from that cache: fetch once so that the cache exists. When the URL is unreachable the load then
 * fails as design §6.6 says (an unusable source with no usable cache stops the start).
 */
public final class ServiceTagsBootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceTagsBootstrap.class);

    private ServiceTagsBootstrap() {
    }

    /** Fetches into the cache when the config names a URL source and its cache file does not exist yet. */
    public static void ensureCache(Path configFile, HttpClient client) {
        ProxyConfig config;
        try {
            config = ConfigLoader.load(configFile).config();
        } catch (ConfigException e) {
            return; // the full load reports every error
        }
        ProxyConfig.ServiceTags tags = config.serviceTags();
        if (!(tags.source() instanceof ServiceTagsSource.UrlSource url) || tags.cacheFile() == null || Files.exists(tags.cacheFile())) {
            return;
        }
        CheckOutcome outcome = new ServiceTagsFetcher(url.url(), tags.cacheFile(), client, Clock.systemUTC()).check();
        if (outcome instanceof CheckOutcome.Failed failed) {
            LOG.warn("first fetch of service tags from {} failed: {}", url.url(), failed.reason());
        } else {
            LOG.info("service tags fetched from {} into {}", url.url(), tags.cacheFile());
        }
    }
}
