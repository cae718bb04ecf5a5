package io.acrproxy.core.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.core.observe.ConnectionEnd;
import io.acrproxy.core.relay.RelayResult.Outcome;
import io.acrproxy.core.relay.RelayResult.Side;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a relay's result reads as the access log's {@code end} (design §9.2). */
class RelayEndTest {
    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
            "COMPLETED,        -,        COMPLETED",
            "IDLE_TIMEOUT,     -,        IDLE_TIMEOUT",
            "REVOKED,          -,        REVOKED",
            "CLOSED_BY_CALLER, -,        DRAIN",
            "EXPECTED_ERROR,   CLIENT,   CLIENT_RESET",
            "EXPECTED_ERROR,   UPSTREAM, UPSTREAM_RESET",
            "UNEXPECTED_ERROR, UPSTREAM, RELAY_ERROR",
            "CHANNEL_CLOSED,   CLIENT,   CLIENT_CLOSED",
            "CHANNEL_CLOSED,   UPSTREAM, UPSTREAM_CLOSED"})
    void eachOutcomeHasItsEnd(Outcome outcome, Side side, ConnectionEnd end) {
        assertThat(RelayStage.end(new RelayResult(outcome, 0, 0, Duration.ZERO, side, null, null))).isEqualTo(end);
    }
}
