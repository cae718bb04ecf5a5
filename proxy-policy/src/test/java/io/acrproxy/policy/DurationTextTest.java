package io.acrproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DurationTextTest {
    @ParameterizedTest
    @CsvSource({"30000, 30s", "300, 300ms", "600000, 10m", "86400000, 24h", "90000, 90s", "1500, 1500ms", "0, 0s",
            "5400000, 90m"})
    void writtenAsTheConfigWritesIt(long millis, String text) {
        assertThat(DurationText.of(Duration.ofMillis(millis))).isEqualTo(text);
    }
}
