package io.acrproxy.server.source;

import static io.acrproxy.server.source.ServiceTagsJson.doc;
import static io.acrproxy.server.source.ServiceTagsJson.parsed;
import static org.assertj.core.api.Assertions.assertThat;

import io.acrproxy.policy.servicetag.ServiceTagsFile;
import io.acrproxy.server.source.RefreshStateMachine.Event;
import io.acrproxy.server.source.RefreshStateMachine.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The refresher's timing and change detection, driven by a fake clock and a scripted source: no threads. */
class PolicyRefresherStateMachineTest {
    private static final Duration INTERVAL = Duration.ofHours(24);
    private static final Duration BACKOFF = Duration.ofMinutes(1);
    private static final ServiceTagsFile V1 = parsed(doc(1, "20.42.66.0/23"));
    private static final ServiceTagsFile V2 = parsed(doc(2, "20.42.66.0/23", "2603:1030:210::/46"));

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T00:00:00Z"));
    private final FakeSource source = new FakeSource();

    @Test
    void firstCheckIsDueOneIntervalAfterStart() {
        RefreshStateMachine machine = new RefreshStateMachine(INTERVAL, BACKOFF, clock, V1);

        clock.advance(INTERVAL.minusSeconds(1));
        assertThat(machine.isDue()).isFalse();
        assertThat(machine.delayUntilDue()).isEqualTo(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(machine.isDue()).isTrue();
        assertThat(machine.delayUntilDue()).isZero();
    }

    @Test
    void checksRecurEveryIntervalWhileTheySucceed() {
        RefreshStateMachine machine = new RefreshStateMachine(INTERVAL, BACKOFF, clock, V1);
        source.then(new CheckOutcome.NotModified(), new CheckOutcome.Fetched(V1), new CheckOutcome.NotModified());

        for (int i = 0; i < 3; i++) {
            clock.advance(machine.delayUntilDue());
            Step step = machine.onOutcome(source.check());
            assertThat(step.nextDelay()).isEqualTo(INTERVAL);
            assertThat(machine.dueAt()).isEqualTo(clock.instant().plus(INTERVAL));
        }
    }

    @Test
    void failuresBackOffExponentiallyUpToTheInterval() {
        Duration interval = Duration.ofMinutes(10);
        RefreshStateMachine machine = new RefreshStateMachine(interval, BACKOFF, clock, V1);
        Instant start = clock.instant();

        Duration[] expected = {Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(4),
                Duration.ofMinutes(8), Duration.ofMinutes(10), Duration.ofMinutes(10)};
        for (Duration delay : expected) {
            clock.advance(machine.delayUntilDue());
            Step step = machine.onOutcome(new CheckOutcome.Failed("HTTP 500"));
            assertThat(step.event()).isEqualTo(new Event.Failed("HTTP 500"));
            assertThat(step.nextDelay()).isEqualTo(delay);
        }
        assertThat(machine.consecutiveFailures()).isEqualTo(6);
        assertThat(clock.instant()).isEqualTo(start.plus(interval).plus(Duration.ofMinutes(1 + 2 + 4 + 8 + 10)));
    }

    @Test
    void aSuccessResetsTheBackoff() {
        RefreshStateMachine machine = new RefreshStateMachine(INTERVAL, BACKOFF, clock, V1);
        machine.onOutcome(new CheckOutcome.Failed("timeout"));
        machine.onOutcome(new CheckOutcome.Failed("timeout"));
        assertThat(machine.onOutcome(new CheckOutcome.Failed("timeout")).nextDelay()).isEqualTo(Duration.ofMinutes(4));

        assertThat(machine.onOutcome(new CheckOutcome.NotModified()).nextDelay()).isEqualTo(INTERVAL);
        assertThat(machine.consecutiveFailures()).isZero();
        assertThat(machine.onOutcome(new CheckOutcome.Failed("timeout")).nextDelay()).isEqualTo(BACKOFF);
    }

    @Test
    void aCorruptOrTruncatedSourceIsNeverAChange() {
        RefreshStateMachine machine = new RefreshStateMachine(INTERVAL, BACKOFF, clock, V1);
        // What a fetcher reports for a body the parser rejected: no file, so nothing to swap in.
        Step step = machine.onOutcome(new CheckOutcome.Failed("not a usable service-tags document: not valid JSON"));

        assertThat(step.event()).isInstanceOf(Event.Failed.class);
        assertThat(machine.delivered()).isSameAs(V1);
    }

    @Test
    void aGoodNewFileIsAChangeAndThenRemembered() {
        RefreshStateMachine machine = new RefreshStateMachine(INTERVAL, BACKOFF, clock, V1);

        assertThat(machine.onOutcome(new CheckOutcome.Fetched(V2)).event()).isEqualTo(new Event.Changed(V2));
        assertThat(machine.delivered()).isSameAs(V2);
        assertThat(machine.onOutcome(new CheckOutcome.Fetched(parsed(doc(2, "20.42.66.0/23", "2603:1030:210::/46"))))
                .event()).isEqualTo(new Event.Unchanged());
    }

    @Test
    void theSameContentOrA304IsUnchanged() {
        RefreshStateMachine machine = new RefreshStateMachine(INTERVAL, BACKOFF, clock, V1);

        assertThat(machine.onOutcome(new CheckOutcome.Fetched(parsed(doc(1, "20.42.66.0/23")))).event())
                .isEqualTo(new Event.Unchanged());
        assertThat(machine.onOutcome(new CheckOutcome.NotModified()).event()).isEqualTo(new Event.Unchanged());
        assertThat(machine.delivered()).isSameAs(V1);
    }

    @Test
    void sameChangeNumberWithDifferentPrefixesIsStillAChange() {
        RefreshStateMachine machine = new RefreshStateMachine(INTERVAL, BACKOFF, clock, V1);
        ServiceTagsFile edited = parsed(doc(1, "20.42.66.0/24"));

        assertThat(machine.onOutcome(new CheckOutcome.Fetched(edited)).event()).isEqualTo(new Event.Changed(edited));
    }

    @Test
    void withNothingInForceTheFirstGoodFileIsAChange() {
        RefreshStateMachine machine = new RefreshStateMachine(INTERVAL, BACKOFF, clock, null);

        assertThat(machine.onOutcome(new CheckOutcome.Fetched(V1)).event()).isEqualTo(new Event.Changed(V1));
    }

    @Test
    void aChangeTheListenerRefusedIsOfferedAgain() {
        RefreshStateMachine machine = new RefreshStateMachine(INTERVAL, BACKOFF, clock, V1);

        assertThat(machine.classify(new CheckOutcome.Fetched(V2))).isEqualTo(new Event.Changed(V2));
        assertThat(machine.failed()).isEqualTo(BACKOFF);
        assertThat(machine.classify(new CheckOutcome.Fetched(V2))).isEqualTo(new Event.Changed(V2));
    }

    @Test
    void aBackoffLongerThanTheIntervalIsCapped() {
        RefreshStateMachine machine = new RefreshStateMachine(Duration.ofSeconds(30), BACKOFF, clock, V1);

        assertThat(machine.failed()).isEqualTo(Duration.ofSeconds(30));
    }

    /** Outcomes in the order the test scripts them. */
    private static final class FakeSource implements ServiceTagsCheck {
        private final Deque<CheckOutcome> outcomes = new ArrayDeque<>();

        void then(CheckOutcome... next) {
            outcomes.addAll(List.of(next));
        }

        @Override
        public CheckOutcome check() {
            return outcomes.removeFirst();
        }
    }
}
