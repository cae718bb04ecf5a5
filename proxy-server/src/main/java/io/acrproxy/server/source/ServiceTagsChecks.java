package io.acrproxy.server.source;

import io.acrproxy.server.config.ProxyConfig;
import io.acrproxy.server.config.ServiceTagsSource;
import java.net.http.HttpClient;
import java.time.Clock;

/** The check for a configured {@code serviceTags.source}: a file is re-read, a URL fetched conditionally. */
public final class ServiceTagsChecks {
    private ServiceTagsChecks() {
    }

    /** @throws IllegalArgumentException when the section has no source */
    public static ServiceTagsCheck forConfig(ProxyConfig.ServiceTags config, HttpClient client, Clock clock) {
        ServiceTagsSource source = config.source();
        if (source instanceof ServiceTagsSource.FileSource file) {
            return new FileServiceTagsCheck(file.path());
        }
        if (source instanceof ServiceTagsSource.UrlSource url) {
            return new ServiceTagsFetcher(url.url(), config.cacheFile(), client, clock);
        }
        throw new IllegalArgumentException("serviceTags.source is not set");
    }
}
