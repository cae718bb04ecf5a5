package io.acrproxy.core.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.acrproxy.core.testing.TestEvents;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Reason;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Every access-log line says how its connection ended, and the same end is counted in
 * {@code acrproxy_connections_ended_total{end}} (design §9.2): derived from what the record shows where no stage set it.
 */
class ConnectionEndTest {
    private final TestEvents events = new TestEvents();

    @org.junit.jupiter.api.AfterEach
    void closeLog() {
        events.close();
    }

    private TunnelRecord record() {
        return events.events.newRecord("10.0.0.7:50000");
    }

    private String endOf(TunnelRecord r) {
        events.events.closed(r);
        await().atMost(Duration.ofSeconds(5)).until(() -> !events.accessLines.isEmpty());
        String line = events.accessLines.remove(0);
        return line.replaceFirst(".*\"end\":\"([a-z_]+)\".*", "$1");
    }

    private double counted(ConnectionEnd end) {
        return events.registry.get("acrproxy.connections.ended").tag("end", end.code()).counter().count();
    }

    @Test
    void aClientThatLeavesInTheMiddleOfItsHeadClosedBeforeTheRequest() {
        assertThat(endOf(record().method("CONNECT"))).isEqualTo("client_closed_before_request");
    }

    @Test
    void aClientThatLeavesWhileTheProxyConnectsClosedBeforeTheAnswer() {
        TunnelRecord r = record().target("myreg.azurecr.io:443");
        r.decision(Decision.allow("registry myreg: login server", "allowed"));

        assertThat(endOf(r)).isEqualTo("client_closed_before_answer");
    }

    /** Today's complaint: such a line read like a normal allowed tunnel. */
    @Test
    void aClientThatLeavesInTheMiddleOfItsClientHelloClosedBeforeTheHello() {
        TunnelRecord r = record().target("myreg.azurecr.io:443");
        r.decision(Decision.allow("registry myreg: login server", "allowed"));
        r.markTunnelStarted();

        assertThat(endOf(r)).isEqualTo("closed_before_hello");
    }

    @Test
    void refusalsAreRefusedAndAHelloTimeoutSaysSo() {
        TunnelRecord denied = record();
        denied.decision(Decision.deny(Reason.HOST_NOT_ALLOWED, "default deny", "evil.example is not allowed"));
        TunnelRecord timedOut = record();
        timedOut.markTunnelStarted();
        timedOut.refused(Reason.CLIENT_HELLO_TIMEOUT, "sni.inspectTimeout");

        assertThat(endOf(denied)).isEqualTo("refused");
        assertThat(endOf(timedOut)).isEqualTo("hello_timeout");
        assertThat(denied.detail()).as("the refusing decision's message").isEqualTo("evil.example is not allowed");
    }

    @Test
    void whatTheRelaySawIsKeptAndTheDrainExplainsOnlyCloses() {
        TunnelRecord idle = record().end(ConnectionEnd.IDLE_TIMEOUT);
        TunnelRecord reset = record().end(ConnectionEnd.CLIENT_RESET);

        events.events.closingForDrain();

        assertThat(endOf(idle)).isEqualTo("idle_timeout");
        assertThat(endOf(reset)).as("closed by the drain's forced close").isEqualTo("drain");
    }

    @Test
    void everyEndIsCountedFromZeroAndProbesAreNot() {
        Arrays.stream(ConnectionEnd.values()).forEach(end -> assertThat(counted(end)).as(end.code()).isZero());

        endOf(record().end(ConnectionEnd.COMPLETED));
        events.events.closed(record().probe("empty"));

        assertThat(counted(ConnectionEnd.COMPLETED)).isEqualTo(1);
        assertThat(counted(ConnectionEnd.CLIENT_CLOSED_BEFORE_REQUEST)).isZero();
    }
}
