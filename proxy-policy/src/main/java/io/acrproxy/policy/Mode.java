package io.acrproxy.policy;

/** {@code mode:} in the config. */
public enum Mode {
    /** Denials are enforced. */
    ENFORCE,
    /** Allowlist denials are logged and counted as {@code would_deny} but let through (design §2 stage 5). */
    REPORT;

    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
