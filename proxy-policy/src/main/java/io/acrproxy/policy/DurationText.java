package io.acrproxy.policy;

import java.time.Duration;

/**
 * A duration the way the configuration writes it (design §3): one whole number and the largest unit that divides it,
 * {@code 30s}, {@code 10m}, {@code 24h}, {@code 300ms}. Log lines and messages use it so that a number an operator
 * reads can be found in, and pasted into, the config; never Java's {@code PT30S}.
 */
public final class DurationText {
    private DurationText() {
    }

    public static String of(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
