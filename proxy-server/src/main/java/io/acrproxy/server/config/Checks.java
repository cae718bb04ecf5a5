package io.acrproxy.server.config;

import io.acrproxy.policy.host.HostName;
import io.acrproxy.policy.net.Cidr;
import io.acrproxy.policy.net.IpAddresses;
import java.net.InetAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The value checks the config sections share. Each records a problem and returns the default (or
 * {@code null}, or skips the element) instead of throwing, so that validation goes on to the next key.
 */
final class Checks {
    static final String IP_EXPECTED = "an IP address such as 10.1.2.3 or fd00::1";

    private static final Pattern URL_LIKE = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://.*");

    private final Problems problems;
    private final Path baseDirectory;

    Checks(Problems problems, Path baseDirectory) {
        this.problems = problems;
        this.baseDirectory = baseDirectory;
    }

    Problems problems() {
        return problems;
    }

    /**
     * Parses {@code raw} with {@code parser}, whose {@link IllegalArgumentException} message becomes the error.
     *
     * @return the parsed value, {@code fallback} when {@code raw} is absent or invalid
     */
    <T> T value(String raw, KeyPath at, T fallback, Function<String, T> parser) {
        if (raw == null) {
            return fallback;
        }
        try {
            return parser.apply(raw);
        } catch (IllegalArgumentException e) {
            problems.error(at, e.getMessage());
            return fallback;
        }
    }

    /**
     * As {@link #value} for a key that must be there: a missing one is reported as {@code is missing (expected:
     * expected)}, unless a problem inside it was reported already (a wrong type).
     *
     * @return the parsed value, {@code null} when missing or invalid
     */
    <T> T required(String raw, KeyPath at, String expected, Function<String, T> parser) {
        if (raw == null) {
            if (!problems.hasErrorsWithin(at)) {
                problems.error(at, "is missing (expected: " + expected + ")");
            }
            return null;
        }
        return value(raw, at, null, parser);
    }

    /** Parses each element; invalid ones are reported and left out. An absent list is empty. */
    <T> List<T> each(List<String> raw, KeyPath at, Function<String, T> parser) {
        List<T> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        for (int i = 0; i < raw.size(); i++) {
            T v = value(raw.get(i), at.index(i), null, parser);
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }

    static boolean orDefault(Boolean value, boolean fallback) {
        return value != null ? value : fallback;
    }

    int positive(Integer value, KeyPath at, int fallback) {
        if (value == null) {
            return fallback;
        }
        if (value <= 0) {
            problems.error(at, value + " is not positive (expected: an integer above 0)");
            return fallback;
        }
        return value;
    }

    int between(Integer value, KeyPath at, int fallback, int min, int max) {
        if (value == null) {
            return fallback;
        }
        if (value < min || value > max) {
            problems.error(at, value + " is out of range (expected: an integer from " + min + " to " + max + ")");
            return fallback;
        }
        return value;
    }

    int notNegative(Integer value, KeyPath at, int fallback) {
        if (value == null) {
            return fallback;
        }
        if (value < 0) {
            problems.error(at, value + " is negative (expected: an integer of 0 or more)");
            return fallback;
        }
        return value;
    }

    /** @return the port, or {@code 0} when it is invalid (absent ports are the caller's business) */
    int port(int value, KeyPath at) {
        if (value < 1 || value > 65535) {
            problems.error(at, value + " is not a port (expected: 1-65535)");
            return 0;
        }
        return value;
    }

    /** A local file; relative paths are taken from the config file's directory, not the working directory. */
    Path path(String raw, KeyPath at) {
        return value(raw, at, null, this::resolvePath);
    }

    /** @throws IllegalArgumentException when {@code text} is empty, a URL, or not a valid path */
    Path resolvePath(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("is empty (expected: a file path)");
        }
        if (isUrl(text)) {
            throw new IllegalArgumentException(HostName.quote(text) + " is a URL (expected: a file path)");
        }
        Path path;
        try {
            path = Path.of(text);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(HostName.quote(text) + " is not a valid file path (" + e.getReason() + ")", e);
        }
        // Messages name files as they are; a line break in a path (a "|" block scalar, a blank line in a wrapped flow
        // list) would split a problem over lines.
        if (text.chars().anyMatch(c -> Character.isISOControl(c) || c == '\u2028' || c == '\u2029')) {
            throw new IllegalArgumentException(HostName.quote(text)
                    + " is not a valid file path (control characters are not allowed)");
        }
        return baseDirectory.resolve(path).normalize();
    }

    static boolean isUrl(String text) {
        return URL_LIKE.matcher(text).matches();
    }

    /** Cidr.parse's message already names the input and the problem, so it is used as it is. */
    Cidr cidr(String raw, KeyPath at) {
        return value(raw, at, null, Cidr::parse);
    }

    static InetAddress ipAddress(String text) {
        try {
            return IpAddresses.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(HostName.quote(text) + " is not an IP address (expected: " + IP_EXPECTED + ")", e);
        }
    }
}
