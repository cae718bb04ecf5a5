package io.acrproxy.server.config;

import io.acrproxy.policy.host.HostName;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as design §3 writes them: a whole number and one unit, {@code 500ms}, {@code 10s}, {@code 5m},
 * {@code 24h}. No fractions, no compound forms ({@code 1h30m}), no days: every timeout and interval the proxy
 * has reads naturally in these units, and one spelling per value keeps configs easy to compare.
 */
final class Durations {
    static final String EXPECTED = "a whole number and a unit: ms, s, m or h, e.g. 10s";

    // Nine digits at most: even 999999999h is far inside Duration's range, so no overflow check is needed.
    private static final Pattern FORMAT = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    private Durations() {
    }

    /**
     * Parses a positive duration.
     *
     * @throws IllegalArgumentException with a message of the form {@code "10" is not a duration (expected: ...)}
     */
    static Duration parse(String text) {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(quote(text) + " is not a duration (expected: " + EXPECTED + ")");
        }
        long amount = Long.parseLong(m.group(1));
        if (amount == 0) {
            throw new IllegalArgumentException(quote(text) + " is not positive (expected: a duration above zero, e.g. 10s)");
        }
        return Duration.of(amount, switch (m.group(2)) {
            case "ms" -> ChronoUnit.MILLIS;
            case "s" -> ChronoUnit.SECONDS;
            case "m" -> ChronoUnit.MINUTES;
            default -> ChronoUnit.HOURS;
        });
    }

    private static String quote(String text) {
        return HostName.quote(text);
    }
}
