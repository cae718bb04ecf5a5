package io.acrproxy.core.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.helpers.MessageFormatter;

/** One warning per resource per minute, with the count of what was not reported. */
class ShortageWarningsTest {
    private final List<String> lines = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private final ShortageWarnings warnings = new ShortageWarnings(
            (format, args) -> lines.add(MessageFormatter.arrayFormat(format, args).getMessage()), Duration.ofMinutes(1),
            now::get);

    @Test
    void theFirstRefusalIsLoggedThenOneLineAMinuteWithTheCount() {
        warnings.refused("heap", () -> "heap at 91%");
        warnings.refused("heap", () -> "heap at 92%");
        warnings.refused("heap", () -> "heap at 93%");
        assertThat(lines).containsExactly("refusing new connections with 503 (resource_exhausted): heap at 91%; 0 more "
                + "refused for want of heap since the last report; open tunnels go on");

        now.addAndGet(Duration.ofMinutes(1).toNanos());
        warnings.refused("heap", () -> "heap at 94%");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).contains("heap at 94%; 2 more refused for want of heap");
    }

    @Test
    void eachResourceAndEachKindHasItsOwnMinute() {
        warnings.refused("heap", () -> "heap");
        warnings.refused("file descriptors", () -> "fds");
        warnings.tunnelFailed("memory", () -> "tunnel 7 could not allocate");
        warnings.tunnelFailed("memory", () -> "tunnel 8 could not allocate");
        assertThat(lines).hasSize(3);
        assertThat(lines.get(2)).isEqualTo("tunnel 7 could not allocate; the tunnel was ended with a reset; 0 more "
                + "tunnels ended for want of memory since the last report");
    }
}
