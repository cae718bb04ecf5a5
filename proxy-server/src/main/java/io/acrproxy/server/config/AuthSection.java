package io.acrproxy.server.config;

import io.acrproxy.core.auth.PasswordHash;
import io.acrproxy.policy.host.HostName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Validates {@code auth:}: the realm and the users of proxy Basic authentication (RFC 7617). */
final class AuthSection {
    private final Checks checks;
    private final Problems problems;

    AuthSection(Checks checks) {
        this.checks = checks;
        this.problems = checks.problems();
    }

    ProxyConfig.Auth validate(WireConfig.Auth raw, KeyPath at) {
        ProxyConfig.Auth d = ProxyConfig.Auth.DEFAULTS;
        if (raw == null) {
            return d;
        }
        String realm = checks.value(raw.realm(), at.key("realm"), d.realm(), AuthSection::realm);
        List<ProxyConfig.User> users = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        KeyPath usersAt = at.key("users");
        for (int i = 0; raw.users() != null && i < raw.users().size(); i++) {
            WireConfig.User u = raw.users().get(i);
            if (u == null) {
                continue;
            }
            KeyPath nameAt = usersAt.index(i).key("name");
            KeyPath hashAt = usersAt.index(i).key("passwordHash");
            String name = checks.required(u.name(), nameAt, "a user name", AuthSection::userName);
            String hash = checks.required(u.passwordHash(), hashAt, "the output of hash-password, " + PasswordHash.FORMAT,
                    AuthSection::passwordHash);
            if (name != null && seen.putIfAbsent(name, i) != null) {
                problems.error(nameAt, HostName.quote(name) + " is listed twice, also at " + usersAt.index(seen.get(name))
                        + " (expected: distinct user names)");
            } else if (name != null && hash != null) {
                users.add(new ProxyConfig.User(name, hash));
            }
        }
        return new ProxyConfig.Auth(realm, users);
    }

    /** The realm is sent as {@code Proxy-Authenticate: Basic realm="..."} (RFC 7617 §2): a quoted-string. */
    private static String realm(String text) {
        boolean printable = !text.isEmpty() && text.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
        if (!printable) {
            throw new IllegalArgumentException(HostName.quote(text)
                    + " cannot be sent as a realm (expected: printable ASCII without quotes or backslashes)");
        }
        return text;
    }

    /** Basic credentials are {@code user:password} (RFC 7617 §2): a colon in the name would split it wrongly. */
    private static String userName(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("is empty (expected: a user name)");
        }
        if (text.indexOf(':') >= 0) {
            throw new IllegalArgumentException(HostName.quote(text)
                    + " contains ':' (expected: a user name without ':', which Basic authentication uses as a separator)");
        }
        if (text.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(HostName.quote(text) + " contains a control character (expected: a user name)");
        }
        return text;
    }

    /** The value is never echoed: a password pasted here by mistake must not reach a log. */
    private static String passwordHash(String text) {
        try {
            PasswordHash.parse(text);
            return text;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (expected: the output of hash-password)", e);
        }
    }
}
