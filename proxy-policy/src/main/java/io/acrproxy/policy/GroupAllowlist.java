package io.acrproxy.policy;

import java.util.Locale;

/**
 * {@code clientGroups[].allowlist}: how a group's allowlist relates to the top-level one (design §6.7). There is no
 * default: a reader of the config must see which it is.
 */
public enum GroupAllowlist {
    /** The group's allowlist is only what the group lists, with the top-level defaults (port 443, no storage). */
    REPLACE,
    /** The top-level allowlist plus what the group lists: hosts, ports and storage accounts of both. */
    ADD;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
