package io.acrproxy.server.source;

import static io.acrproxy.server.source.ServiceTagsJson.doc;
import static io.acrproxy.server.source.ServiceTagsJson.parsed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.acrproxy.policy.servicetag.ServiceTagsFile;
import io.acrproxy.server.source.RefreshStateMachine.Event;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The refresher on its own thread: on-demand checks, the schedule, and listeners that misbehave. */
class PolicyRefresherTest {
    private static final ServiceTagsFile V1 = parsed(doc(1, "20.42.66.0/23"));
    private static final ServiceTagsFile V2 = parsed(doc(2, "20.42.66.0/23", "2603:1030:210::/46"));

    private final RecordingListener listener = new RecordingListener();
    private PolicyRefresher refresher;

    @AfterEach
    void close() {
        if (refresher != null) {
            refresher.close();
        }
    }

    @Test
    void refreshNowReportsAChangeOnceAndThenUnchanged() throws Exception {
        refresher = new PolicyRefresher(() -> new CheckOutcome.Fetched(V2), Duration.ofHours(24), Clock.systemUTC(),
                V1, listener);
        refresher.start(false);

        assertThat(refresher.refreshNow().get(10, TimeUnit.SECONDS)).isEqualTo(new Event.Changed(V2));
        assertThat(refresher.refreshNow().get(10, TimeUnit.SECONDS)).isEqualTo(new Event.Unchanged());
        assertThat(listener.calls).containsExactly("changed 2", "unchanged");
    }

    @Test
    void aFailureIsReportedAndNothingIsDelivered() throws Exception {
        refresher = new PolicyRefresher(() -> new CheckOutcome.Failed("HTTP 500"), Duration.ofHours(24),
                Clock.systemUTC(), V1, listener);

        assertThat(refresher.refreshNow().get(10, TimeUnit.SECONDS)).isEqualTo(new Event.Failed("HTTP 500"));
        assertThat(listener.calls).containsExactly("failed HTTP 500");
    }

    @Test
    void aSourceThatThrowsIsAFailureAndTheScheduleGoesOn() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        refresher = new PolicyRefresher(() -> {
            if (checks.incrementAndGet() == 1) {
                throw new IllegalStateException("boom");
            }
            return new CheckOutcome.NotModified();
        }, Duration.ofHours(24), Clock.systemUTC(), V1, listener);

        assertThat(refresher.refreshNow().get(10, TimeUnit.SECONDS)).isInstanceOf(Event.Failed.class);
        assertThat(refresher.refreshNow().get(10, TimeUnit.SECONDS)).isEqualTo(new Event.Unchanged());
    }

    @Test
    void aChangeTheListenerRejectsIsAFailureAndOfferedAgain() throws Exception {
        AtomicReference<RuntimeException> reject = new AtomicReference<>(new IllegalArgumentException("tag missing"));
        RecordingListener picky = new RecordingListener() {
            @Override
            public void onChanged(ServiceTagsFile file) {
                RuntimeException e = reject.getAndSet(null);
                if (e != null) {
                    throw e;
                }
                super.onChanged(file);
            }
        };
        refresher = new PolicyRefresher(() -> new CheckOutcome.Fetched(V2), Duration.ofHours(24), Clock.systemUTC(),
                V1, picky);

        assertThat(refresher.refreshNow().get(10, TimeUnit.SECONDS))
                .isEqualTo(new Event.Failed("new service tags not installed: tag missing"));
        assertThat(refresher.refreshNow().get(10, TimeUnit.SECONDS)).isEqualTo(new Event.Changed(V2));
        assertThat(picky.calls).containsExactly("failed new service tags not installed: tag missing", "changed 2");
    }

    @Test
    void checksRunOnTheScheduleOffTheCallersThread() {
        AtomicInteger checks = new AtomicInteger();
        List<String> threads = new CopyOnWriteArrayList<>();
        refresher = new PolicyRefresher(() -> {
            checks.incrementAndGet();
            threads.add(Thread.currentThread().getName());
            return new CheckOutcome.NotModified();
        }, Duration.ofMillis(20), Duration.ofMillis(10), Clock.systemUTC(), V1, listener);
        refresher.start(false);

        await().atMost(Duration.ofSeconds(10)).until(() -> checks.get() >= 3);
        assertThat(threads).allMatch("service-tags-refresher"::equals);
    }

    @Test
    void aClosedRefresherRefusesRefreshNow() {
        refresher = new PolicyRefresher(CheckOutcome.NotModified::new, Duration.ofHours(1), Clock.systemUTC(), V1,
                listener);
        refresher.close();

        assertThat(refresher.refreshNow()).isCompletedExceptionally();
    }

    private static class RecordingListener implements RefreshListener {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public void onChanged(ServiceTagsFile file) {
            calls.add("changed " + file.changeNumber());
        }

        @Override
        public void onUnchanged() {
            calls.add("unchanged");
        }

        @Override
        public void onFailed(String reason) {
            calls.add("failed " + reason);
        }
    }
}
