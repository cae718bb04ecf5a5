package io.acrproxy.server.config;

import io.acrproxy.policy.servicetag.ServiceTagSelection;
import io.acrproxy.policy.servicetag.ServiceTagsFile;
import io.acrproxy.policy.servicetag.ServiceTagsParser;
import io.acrproxy.policy.servicetag.UnknownServiceTagsException;
import io.acrproxy.policy.source.EndpointSet;
import io.acrproxy.policy.source.EndpointsFileParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the files a config names — {@code endpointFiles} and the service-tags file — reporting problems
 * under the key that names the file, in the same list as the config's own problems.
 */
final class SourceReader {
    private static final KeyPath ENDPOINT_FILES = KeyPath.ROOT.key("endpointFiles");
    private static final KeyPath SERVICE_TAGS = KeyPath.ROOT.key("serviceTags");

    private final Problems problems;

    SourceReader(Problems problems) {
        this.problems = problems;
    }

    /** Skipped when the list itself had problems: indexes in messages would no longer match the file. */
    List<EndpointSet> endpointSets(List<Path> files) {
        return endpointSets(files, ENDPOINT_FILES);
    }

    /** As {@link #endpointSets(List)} for the files listed at {@code key} (a group's {@code endpointFiles}). */
    List<EndpointSet> endpointSets(List<Path> files, KeyPath key) {
        List<EndpointSet> out = new ArrayList<>();
        if (problems.hasErrorsWithin(key)) {
            return out;
        }
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            KeyPath at = key.index(i);
            if (isReadableFile(file, at)) {
                try {
                    out.add(EndpointsFileParser.parse(file));
                } catch (IOException e) {
                    problems.error(at, file + ": " + IoProblems.describe(e));
                }
            }
        }
        return out;
    }

    /**
     * The selected tags, or {@code null} when no source is configured, the section had problems, or the
     * source is a URL without a readable cache (the running proxy fetches URLs; this only reads files).
     */
    ServiceTagSelection serviceTags(ProxyConfig.ServiceTags config) {
        if (config.source() == null || problems.hasErrorsWithin(SERVICE_TAGS)) {
            return null;
        }
        KeyPath sourceAt = SERVICE_TAGS.key("source");
        Path file;
        KeyPath fileAt;
        if (config.source() instanceof ServiceTagsSource.FileSource f) {
            file = f.path();
            fileAt = sourceAt;
        } else if (config.cacheFile() != null && Files.isReadable(config.cacheFile())) {
            file = config.cacheFile();
            fileAt = SERVICE_TAGS.key("cacheFile");
        } else if (config.allowIpLiterals() || config.verifyResolved()) {
            problems.error(sourceAt, config.source() + " cannot be read at load: URL sources are fetched by the running proxy"
                    + " (expected: a readable serviceTags.cacheFile while allowIpLiterals or verifyResolved is on)");
            return null;
        } else {
            problems.warn(sourceAt, "service tags not checked: URL sources are fetched by the running proxy");
            return null;
        }
        if (!isReadableFile(file, fileAt)) {
            return null;
        }
        ServiceTagsFile parsed;
        try {
            parsed = ServiceTagsParser.parse(file);
        } catch (IOException e) {
            problems.error(fileAt, file + ": " + IoProblems.describe(e));
            return null;
        }
        try {
            return parsed.select(config.tags());
        } catch (UnknownServiceTagsException e) {
            // The selection's own message names every missing tag and suggests the right case where one fits.
            problems.error(SERVICE_TAGS.key("tags"), file + ": " + e.getMessage());
            return null;
        }
    }

    /** Checked before parsing so that a missing file or a directory reads the same whatever the parser says. */
    private boolean isReadableFile(Path file, KeyPath at) {
        if (Files.isDirectory(file)) {
            problems.error(at, file + ": is a directory (expected: a file)");
            return false;
        }
        if (!Files.exists(file)) {
            problems.error(at, file + ": does not exist");
            return false;
        }
        return true;
    }
}
