package io.acrproxy.server.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/** {@code serviceTags.source}: a local {@code ServiceTags_*.json} or an https URL serving one. */
public sealed interface ServiceTagsSource {

    /** @param path resolved against the config file's directory */
    record FileSource(Path path) implements ServiceTagsSource {
        public FileSource {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    /** @param url always {@code https} */
    record UrlSource(URI url) implements ServiceTagsSource {
        public UrlSource {
            Objects.requireNonNull(url, "url");
        }

        @Override
        public String toString() {
            return url.toString();
        }
    }
}
