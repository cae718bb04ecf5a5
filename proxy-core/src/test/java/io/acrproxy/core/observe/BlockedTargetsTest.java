package io.acrproxy.core.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BlockedTargetsTest {

    @Test
    void staysBoundedUnderAFloodOfDistinctHostsAndKeepsTheCurrentOffenders() {
        BlockedTargets table = new BlockedTargets(1000);
        Instant t = Instant.parse("2026-11-28T00:00:00Z");
        for (int i = 0; i < 100_000; i++) {
            table.record("x" + i + ".evil.example", 443, "default", "host_not_allowed", false, "10.0.0.1:5000", t.plusMillis(i));
            if (i % 100 == 0) {
                // A steady offender amid the flood stays in the table and leads the "most often" list.
                table.record("evilreg.azurecr.io", 443, "default", "host_not_allowed", false, "10.0.0.2:6000", t.plusMillis(i));
            }
        }
        assertThat(table.size()).isEqualTo(1000);
        assertThat(table.mostFrequent(1).get(0).host()).isEqualTo("evilreg.azurecr.io");
        assertThat(table.mostFrequent(1).get(0).count()).isEqualTo(1000);
        assertThat(table.mostRecent(1).get(0).host()).isEqualTo("x99999.evil.example");
        assertThat(table.mostRecent(2000)).hasSize(1000);
    }

    @Test
    void countsPerTargetAndReasonWithFirstAndLastSeen() {
        BlockedTargets table = new BlockedTargets(10);
        Instant t0 = Instant.parse("2026-11-28T00:00:00Z");
        table.record("evilreg.azurecr.io", 443, "default", "host_not_allowed", false, "10.0.0.1:1", t0);
        table.record("evilreg.azurecr.io", 443, "default", "host_not_allowed", false, "10.0.0.9:2", t0.plusSeconds(5));
        table.record("evilreg.azurecr.io", 443, "default", "host_not_allowed", true, "10.0.0.9:3", t0.plusSeconds(6));
        table.record("myreg.azurecr.io", 8443, "default", "port_not_allowed", false, "10.0.0.3:4", t0.plusSeconds(7));
        BlockedTargets.Entry top = table.mostFrequent(1).get(0);
        assertThat(top.count()).isEqualTo(2);
        assertThat(top.firstSeen()).isEqualTo(t0);
        assertThat(top.lastSeen()).isEqualTo(t0.plusSeconds(5));
        assertThat(top.lastClient()).isEqualTo("10.0.0.9:2");
        assertThat(table.size()).isEqualTo(3);
        assertThat(table.mostRecent(1).get(0).reason()).isEqualTo("port_not_allowed");
    }
}
