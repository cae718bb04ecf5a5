package io.acrproxy.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.acrproxy.policy.host.HostName;
import io.acrproxy.policy.host.InvalidHostException;
import io.acrproxy.policy.net.IpAddresses;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Validates {@code parents} and {@code routes} (design §2.3): the company's proxies the tunnels go through, and which
 * targets take which way. Parent passwords are read here, from a file or an environment variable, so that a missing
 * secret fails the load like any other config error; they are never written in the YAML, printed or logged.
 */
final class ParentsSection {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    private static final String URL_EXPECTED = "http://host:port, e.g. http://10.0.0.5:8080";

    private final Checks checks;
    private final Problems problems;
    private final Function<String, String> environment;

    ParentsSection(Checks checks, Function<String, String> environment) {
        this.checks = checks;
        this.problems = checks.problems();
        this.environment = environment;
    }

    List<ProxyConfig.Parent> parents(List<WireConfig.Parent> raw, KeyPath at) {
        List<ProxyConfig.Parent> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; raw != null && i < raw.size(); i++) {
            WireConfig.Parent p = raw.get(i);
            if (p == null) {
                continue;
            }
            KeyPath pAt = at.index(i);
            String name = checks.required(p.name(), pAt.key("name"), "a name such as corp (lower-case letters, digits, - and _)",
                    ParentsSection::name);
            HostPort url = checks.required(p.url(), pAt.key("url"), URL_EXPECTED, ParentsSection::url);
            String[] credentials = credentials(p, pAt);
            if (name != null && seen.putIfAbsent(name, i) != null) {
                problems.error(pAt.key("name"), HostName.quote(name) + " is listed twice, also at " + at.index(seen.get(name))
                        + " (expected: distinct parent names)");
                continue;
            }
            if (name != null && url != null && credentials != null) {
                out.add(new ProxyConfig.Parent(name, url.host(), url.port(), credentials[0], credentials[1]));
            }
        }
        return out;
    }

    /** {@code [user, password]}, both null without credentials; {@code null} when a problem was reported. */
    private String[] credentials(WireConfig.Parent p, KeyPath at) {
        boolean file = p.passwordFile() != null;
        boolean env = p.passwordEnv() != null;
        if (p.user() == null) {
            if (file || env) {
                problems.error(at.key(file ? "passwordFile" : "passwordEnv"), "is set without a user (expected: user as well)");
                return null;
            }
            return new String[] {null, null};
        }
        String user = checks.value(p.user(), at.key("user"), null, ParentsSection::user);
        if (file == env) {
            problems.error(at.key("user"), file
                    ? "has both passwordFile and passwordEnv (expected: one of them)"
                    : "has no password (expected: passwordFile or passwordEnv; a password is never written in the config)");
            return null;
        }
        String password = file ? passwordFromFile(p.passwordFile(), at.key("passwordFile"))
                : passwordFromEnvironment(p.passwordEnv(), at.key("passwordEnv"));
        return user == null || password == null ? null : new String[] {user, password};
    }

    private String passwordFromFile(String raw, KeyPath at) {
        Path path = checks.path(raw, at);
        if (path == null) {
            return null;
        }
        try {
            // A secret mounted from Kubernetes or Docker often ends with a newline the password does not have.
            String password = stripLineEnd(Files.readString(path, StandardCharsets.UTF_8));
            if (password.isEmpty()) {
                problems.error(at, path + ": is empty (expected: the parent's password)");
                return null;
            }
            return password;
        } catch (IOException e) {
            problems.error(at, path + ": " + IoProblems.describe(e));
            return null;
        }
    }

    private String passwordFromEnvironment(String name, KeyPath at) {
        String value = environment.apply(name);
        if (value == null || value.isEmpty()) {
            problems.error(at, HostName.quote(name) + " is not set in the proxy's environment (expected: a variable "
                    + "holding the parent's password)");
            return null;
        }
        return value;
    }

    private static String stripLineEnd(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }

    List<ProxyConfig.RouteEntry> routes(List<WireConfig.RouteEntry> raw, KeyPath at, List<ProxyConfig.Parent> parents,
            boolean parentsFailed) {
        List<ProxyConfig.RouteEntry> out = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        parents.forEach(p -> names.add(p.name()));
        for (int i = 0; raw != null && i < raw.size(); i++) {
            WireConfig.RouteEntry r = raw.get(i);
            if (r == null) {
                continue;
            }
            KeyPath rAt = at.index(i);
            List<String> hosts = hostPatterns(r.hosts(), rAt.key("hosts"));
            List<String> via = via(r.via(), rAt.key("via"), names, parentsFailed);
            if (hosts != null && via != null) {
                out.add(new ProxyConfig.RouteEntry(hosts, via.isEmpty() ? null : via));
            }
        }
        if (raw != null && !raw.isEmpty() && parents.isEmpty() && !parentsFailed) {
            problems.warn(at, "no parents are configured, so every target goes direct and routes have no effect");
        }
        return out;
    }

    private List<String> hostPatterns(List<String> raw, KeyPath at) {
        if (raw == null || raw.isEmpty()) {
            if (!problems.hasErrorsWithin(at)) {
                problems.error(at, "is missing or empty (expected: host patterns such as [\"*.privatelink.contoso.com\"] "
                        + "or [\"*\"])");
            }
            return null;
        }
        List<String> out = checks.each(raw, at, ParentsSection::hostPattern);
        return out.size() == raw.size() ? out : null;
    }

    /** An empty list for {@code direct}; {@code null} when a problem was reported. */
    private List<String> via(JsonNode raw, KeyPath at, Set<String> parents, boolean parentsFailed) {
        String expected = " (expected: direct, or a list of parent names such as [corp, corp2])";
        if (raw == null) {
            if (!problems.hasErrorsWithin(at)) {
                problems.error(at, "is missing" + expected);
            }
            return null;
        }
        if (raw.isTextual()) {
            if (raw.textValue().equals("direct")) {
                return List.of();
            }
            problems.error(at, HostName.quote(raw.textValue()) + " is not valid" + expected);
            return null;
        }
        if (!raw.isArray() || raw.isEmpty()) {
            problems.error(at, "got " + (raw.isArray() ? "an empty list" : WireBinder.describe(raw)) + expected);
            return null;
        }
        List<String> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < raw.size(); i++) {
            JsonNode n = raw.get(i);
            KeyPath nAt = at.index(i);
            if (!n.isTextual()) {
                problems.error(nAt, "got " + WireBinder.describe(n) + " (expected: a parent name)");
                ok = false;
            } else if (out.contains(n.textValue())) {
                problems.error(nAt, HostName.quote(n.textValue()) + " is listed twice (expected: each parent once)");
                ok = false;
            } else if (!parents.contains(n.textValue())) {
                if (!parentsFailed) {
                    problems.error(nAt, HostName.quote(n.textValue()) + " is not a configured parent (expected: one of "
                            + (parents.isEmpty() ? "the names under parents, which has none" : String.join(", ", parents)) + ")");
                }
                ok = false;
            } else {
                out.add(n.textValue());
            }
        }
        return ok ? out : null;
    }

    private static String name(String text) {
        if (!NAME.matcher(text).matches()) {
            throw new IllegalArgumentException(HostName.quote(text) + " is not a valid parent name (expected: 1-63 "
                    + "lower-case letters, digits, - and _, starting with a letter or digit)");
        }
        return text;
    }

    private static String user(String text) {
        if (text.isEmpty() || text.indexOf(':') >= 0 || text.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(HostName.quote(text) + " cannot be sent as a Basic user name (expected: "
                    + "a non-empty name without ':' or control characters)");
        }
        return text;
    }

    private record HostPort(String host, int port) {
    }

    private static HostPort url(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(HostName.quote(text) + " is not a URL (expected: " + URL_EXPECTED + ")", e);
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException(HostName.quote(text) + " is not an http:// URL (expected: " + URL_EXPECTED
                    + "; the proxy speaks plain HTTP to its parent, and the tunnels inside are TLS end to end)");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(HostName.quote(text.replace(uri.getRawUserInfo() + "@", "***@"))
                    + " has credentials in it (expected: " + URL_EXPECTED + ", with user and passwordFile or passwordEnv)");
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/")) || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(HostName.quote(text) + " has a path, query or fragment (expected: "
                    + URL_EXPECTED + ")");
        }
        if (uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535) {
            throw new IllegalArgumentException(HostName.quote(text) + " needs a host and a port (expected: "
                    + URL_EXPECTED + ")");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            byte[] v6 = IpAddresses.parseIpv6(host.substring(1, host.length() - 1));
            if (v6 == null) {
                throw new IllegalArgumentException(HostName.quote(text) + " has an invalid IPv6 address");
            }
            return new HostPort(IpAddresses.toText(v6), uri.getPort());
        }
        if (IpAddresses.isIpv4Literal(host)) {
            return new HostPort(host, uri.getPort());
        }
        try {
            return new HostPort(HostName.normalise(host), uri.getPort());
        } catch (InvalidHostException e) {
            throw new IllegalArgumentException(e.getMessage() + " (expected: " + URL_EXPECTED + ")", e);
        }
    }

    /** {@code *}, {@code *.suffix} (any name below it) or an exact host name, normalised. */
    private static String hostPattern(String text) {
        if (text.equals("*")) {
            return text;
        }
        try {
            if (text.startsWith("*.")) {
                return "*." + HostName.normalise(text.substring(2));
            }
            return HostName.normalise(text);
        } catch (InvalidHostException e) {
            throw new IllegalArgumentException(e.getMessage() + " (expected: *, *.example.com or example.com)", e);
        }
    }
}
