package io.acrproxy.bench;

import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.CidrSet;
import io.acrproxy.policy.servicetag.ServiceTag;
import io.acrproxy.policy.servicetag.ServiceTagsFile;
import io.acrproxy.policy.servicetag.ServiceTagsParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real service-tags file the benchmarks run on. It is reference data kept beside the repository, never in
 * it: {@code -Dacrproxy.servicetags=<path>}, by default {@value #DEFAULT} relative to the repository root (where
 * {@code java -jar proxy-bench/target/benchmarks.jar} is run). JMH passes the host JVM's arguments to its forks,
 * so the property reaches them.
 */
final class ServiceTagsFixture {
    static final String DEFAULT = "../shared/fixtures/servicetags/ServiceTags_Public_20251028.json";

    private ServiceTagsFixture() {
    }

    static Path path() {
        Path path = Path.of(System.getProperty("acrproxy.servicetags", DEFAULT));
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("service-tags file not found: " + path.toAbsolutePath().normalize()
                    + " (run from the repository root or set -Dacrproxy.servicetags=<file>)");
        }
        return path;
    }

    /** What the proxy does at start-up and on refresh: parse the whole file and index every prefix. */
    static CidrSet loadAll(Path path) throws IOException {
        return allPrefixes(ServiceTagsParser.parse(path));
    }

    static CidrSet allPrefixes(ServiceTagsFile file) {
        CidrSet.Builder builder = CidrSet.builder();
        for (ServiceTag tag : file.tags().values()) {
            for (Cidr prefix : tag.addressPrefixes()) {
                builder.add(prefix, tag.name());
            }
        }
        return builder.build();
    }
}
