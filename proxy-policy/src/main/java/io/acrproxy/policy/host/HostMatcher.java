package io.acrproxy.policy.host;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Matches normalised host names against the compiled host rules with at most three hash lookups,
 * whatever the number of rules (design §6.1): the exact name; the parent (for {@code *.suffix}, exactly one
 * extra label); and the name with its second label blanked (for {@code reg.*.data.azurecr.io}, a data
 * endpoint in any one region).
 *
 * <p>Keys never overlap between shapes, and a wildcard key is a whole label sequence, so a rule can only
 * match on label boundaries: {@code *.azurecr.io} can never match {@code evilazurecr.io}.
 */
public final class HostMatcher {
    private final Map<String, String> exact;
    private final Map<String, String> anyFirstLabel;
    private final Map<String, String> anySecondLabel;
    private final List<AllowedHost> allowed;

    private HostMatcher(Builder b) {
        this.exact = Map.copyOf(b.exact);
        this.anyFirstLabel = Map.copyOf(b.anyFirstLabel);
        this.anySecondLabel = Map.copyOf(b.anySecondLabel);
        this.allowed = Collections.unmodifiableList(new ArrayList<>(b.allowed));
    }

    /**
     * Returns the rule that allows {@code host}, or {@code null}.
     *
     * @param host a name already normalised by {@link HostName}
     */
    public String match(String host) {
        String rule = exact.get(host);
        if (rule != null) {
            return rule;
        }
        int firstDot = host.indexOf('.');
        if (firstDot < 0) {
            return null;
        }
        if (!anyFirstLabel.isEmpty()) {
            rule = anyFirstLabel.get(host.substring(firstDot + 1));
            if (rule != null) {
                return rule;
            }
        }
        int secondDot = host.indexOf('.', firstDot + 1);
        if (secondDot < 0 || anySecondLabel.isEmpty()) {
            return null;
        }
        return anySecondLabel.get(secondLabelKey(host.substring(0, firstDot), host.substring(secondDot + 1)));
    }

    /** Every allowed pattern with its rule, in the order the rules were added. */
    public List<AllowedHost> allowed() {
        return allowed;
    }

    public static Builder builder() {
        return new Builder();
    }

    private static String secondLabelKey(String firstLabel, String rest) {
        return firstLabel + ".*." + rest;
    }

    /**
     * An allowed pattern as an operator reads it: {@code myreg.azurecr.io}, {@code *.data.mcr.microsoft.com}
     * or {@code myreg.*.data.azurecr.io}.
     */
    public record AllowedHost(String pattern, String rule) {
    }

    /** Adds rules; the first rule added for a pattern wins, so specific rules go in before general ones. */
    public static final class Builder {
        private final Map<String, String> exact = new HashMap<>();
        private final Map<String, String> anyFirstLabel = new HashMap<>();
        private final Map<String, String> anySecondLabel = new HashMap<>();
        private final List<AllowedHost> allowed = new ArrayList<>();

        /** {@code name} exactly. */
        public Builder exact(String name, String rule) {
            if (exact.putIfAbsent(HostName.normalise(name), rule) == null) {
                allowed.add(new AllowedHost(name, rule));
            }
            return this;
        }

        /** Any one label in front of {@code suffix}. */
        public Builder anyFirstLabel(String suffix, String rule) {
            if (anyFirstLabel.putIfAbsent(HostName.normalise(suffix), rule) == null) {
                allowed.add(new AllowedHost("*." + suffix, rule));
            }
            return this;
        }

        /** {@code firstLabel.<any one label>.rest}. */
        public Builder anySecondLabel(String firstLabel, String rest, String rule) {
            String key = secondLabelKey(HostName.normalise(firstLabel), HostName.normalise(rest));
            if (anySecondLabel.putIfAbsent(key, rule) == null) {
                allowed.add(new AllowedHost(key, rule));
            }
            return this;
        }

        public HostMatcher build() {
            return new HostMatcher(this);
        }
    }
}
