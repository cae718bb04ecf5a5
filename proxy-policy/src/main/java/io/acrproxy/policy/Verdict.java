package io.acrproxy.policy;

/** The outcome of a policy decision. */
public enum Verdict {
    ALLOW("allow"),
    DENY("deny"),
    /** {@code mode: report}: the policy would deny, but the request is let through and counted. */
    WOULD_DENY("would_deny");

    private final String code;

    Verdict(String code) {
        this.code = code;
    }

    /** The lower-case name used in logs, metrics and JSON. */
    public String code() {
        return code;
    }

    /** True when the request may proceed (allowed, or only reported). */
    public boolean permits() {
        return this != DENY;
    }
}
