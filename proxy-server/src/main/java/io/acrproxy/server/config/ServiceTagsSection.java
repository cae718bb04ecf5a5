package io.acrproxy.server.config;

import io.acrproxy.policy.host.HostName;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Validates {@code serviceTags:} (design §6.4): where the tags come from, which ones, and what they are used for. */
final class ServiceTagsSection {
    private static final Pattern TAG_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final Checks checks;
    private final Problems problems;

    ServiceTagsSection(Checks checks) {
        this.checks = checks;
        this.problems = checks.problems();
    }

    ProxyConfig.ServiceTags validate(WireConfig.ServiceTags raw, KeyPath at) {
        ProxyConfig.ServiceTags defaults = ProxyConfig.ServiceTags.DEFAULTS;
        if (raw == null) {
            return defaults;
        }
        KeyPath sourceAt = at.key("source");
        KeyPath tagsAt = at.key("tags");
        ServiceTagsSource source = checks.value(raw.source(), sourceAt, null, this::source);
        Duration refresh = checks.value(raw.refreshInterval(), at.key("refreshInterval"), defaults.refreshInterval(), Durations::parse);
        List<String> tags = PolicySections.distinct(checks.each(raw.tags(), tagsAt, ServiceTagsSection::tagName));
        boolean allowIpLiterals = Checks.orDefault(raw.allowIpLiterals(), defaults.allowIpLiterals());
        boolean verifyResolved = Checks.orDefault(raw.verifyResolved(), defaults.verifyResolved());
        boolean sourceAbsent = source == null && !problems.hasErrorsWithin(sourceAt);
        if (source != null && tags.isEmpty() && !problems.hasErrorsWithin(tagsAt)) {
            problems.error(tagsAt, "is empty (expected: at least one tag when serviceTags.source is set, e.g. [AzureContainerRegistry.EastUS])");
        }
        if (sourceAbsent && !tags.isEmpty()) {
            problems.warn(tagsAt, "ignored without serviceTags.source");
        }
        if (sourceAbsent && allowIpLiterals) {
            problems.error(at.key("allowIpLiterals"), "needs serviceTags.source and serviceTags.tags (expected: false, or a source and at least one tag)");
        }
        if (sourceAbsent && verifyResolved) {
            problems.error(at.key("verifyResolved"), "needs serviceTags.source and serviceTags.tags (expected: false, or a source and at least one tag)");
        }
        return new ProxyConfig.ServiceTags(source, refresh, checks.path(raw.cacheFile(), at.key("cacheFile")), tags,
                allowIpLiterals, verifyResolved);
    }

    /**
     * A file path or an https URL. Plain http is refused: the tags decide which addresses are reachable, so
     * whoever can tamper with the download could open the proxy.
     */
    private ServiceTagsSource source(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("is empty (expected: a file path or an https:// URL)");
        }
        if (!Checks.isUrl(text)) {
            return new ServiceTagsSource.FileSource(checks.resolvePath(text));
        }
        String expected = " (expected: a file path or an https:// URL)";
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(HostName.quote(text) + " is not a valid URL" + expected, e);
        }
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("http")) {
            throw new IllegalArgumentException(HostName.quote(text) + " is a plain http URL" + expected);
        }
        if (!scheme.equals("https")) {
            throw new IllegalArgumentException(HostName.quote(text) + " has the unsupported scheme " + scheme + expected);
        }
        if (url.getHost() == null) {
            throw new IllegalArgumentException(HostName.quote(text) + " has no host" + expected);
        }
        return new ServiceTagsSource.UrlSource(url);
    }

    private static String tagName(String text) {
        if (!TAG_NAME.matcher(text).matches()) {
            throw new IllegalArgumentException(HostName.quote(text)
                    + " is not a service tag name (expected: a values[].name of the service-tags file, e.g. AzureContainerRegistry.EastUS)");
        }
        return text;
    }
}
