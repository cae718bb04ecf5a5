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
        boolean wildcard = raw.startsWith("*.");
        String name = wildcard ? raw.substring(2) : raw;
        if (raw.equals("*") || (wildcard && (name.isEmpty() || name.equals(".")))) {
            throw new InvalidHostException(HostName.quote(raw) + " is not a valid pattern: \"*\" must be followed by a suffix");
        }
        if (name.indexOf('*') >= 0) {
            throw new InvalidHostException(HostName.quote(raw) + " is not a valid pattern: \"*\" may only be the whole first label");
        }
        try {
            return new HostPattern(wildcard, HostName.normalise(name));
        } catch (InvalidHostException e) {
            throw wildcard ? new InvalidHostException(HostName.quote(raw) + " has an invalid suffix: " + e.getMessage()) : e;
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
