package io.acrproxy.server.suggest;

import java.time.Instant;

/** How often something was seen in the access log, and when first and last: the comment beside a proposal. */
final class Evidence {
    private long count;
    private Instant first;
    private Instant last;

    void saw(Instant at) {
        count++;
        if (first == null || at.isBefore(first)) {
            first = at;
        }
        if (last == null || at.isAfter(last)) {
            last = at;
        }
    }

    long count() {
        return count;
    }

    /** E.g. {@code 12 tunnels, 2026-12-01T08:00:00Z .. 2026-12-02T17:30:00Z}. */
    String comment() {
        return count + (count == 1 ? " tunnel, " + first : " tunnels, " + first + " .. " + last);
    }
}
