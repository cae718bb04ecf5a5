package io.acrproxy.policy.host;

/**
 * An {@code extraHosts} entry: an exact host name, or {@code *.suffix} matching exactly one extra label
 * ({@code *.example.com} matches {@code a.example.com}, not {@code example.com} nor {@code a.b.example.com}).
 *
 * <p>Deliberately narrower than shell globs or smokescreen's wildcards: a pattern that could match at
 * more than one depth is how an allowlist ends up allowing another tenant's registry.
 *
 * @param wildcard true for {@code *.suffix}
 * @param name     the exact name, or the suffix after {@code *.} for a wildcard
 */
public record HostPattern(boolean wildcard, String name) {

    /**
     * Parses an entry.
     *
     * @throws InvalidHostException naming the entry and the problem
     */
    public static HostPattern parse(String raw) {
        if (raw.equals("*")) {
            throw new InvalidHostException("\"*\" would allow every host (expected exact.name or *.suffix)");
        }
        if (raw.startsWith("*.")) {
            String suffix = raw.substring(2);
            if (suffix.indexOf('*') >= 0) {
                throw new InvalidHostException(HostName.quote(raw) + " has more than one '*' (expected exact.name or *.suffix with exactly one leading '*.')");
            }
            if (suffix.isEmpty() || suffix.equals(".")) {
                throw new InvalidHostException(HostName.quote(raw) + " has no suffix after '*.' (expected *.example.com)");
            }
            return new HostPattern(true, normaliseOrExplain(raw, suffix));
        }
        if (raw.indexOf('*') >= 0) {
            throw new InvalidHostException(HostName.quote(raw) + " has a '*' that is not a whole leading label (expected exact.name or *.suffix)");
        }
        return new HostPattern(false, normaliseOrExplain(raw, raw));
    }

    private static String normaliseOrExplain(String raw, String name) {
        try {
            return HostName.normalise(name);
        } catch (InvalidHostException e) {
            throw new InvalidHostException(HostName.quote(raw) + " is not a valid host pattern: " + e.getMessage());
        }
    }

    /** The pattern as written in a config, normalised. */
    public String text() {
        return wildcard ? "*." + name : name;
    }

    @Override
    public String toString() {
        return text();
    }
}
