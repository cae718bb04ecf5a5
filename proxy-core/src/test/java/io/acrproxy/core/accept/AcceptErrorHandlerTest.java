package io.acrproxy.core.accept;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AcceptErrorHandlerTest {
    private final AtomicInteger counted = new AtomicInteger();
    private final List<String> warnings = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AcceptErrorHandler.Reporter reporter = new AcceptErrorHandler.Reporter(counted::incrementAndGet,
            warnings::add, Duration.ofSeconds(60), now::get);
    private final EmbeddedChannel listener = new EmbeddedChannel(new AcceptErrorHandler(reporter, Duration.ofSeconds(1)));

    @Test
    void aFailedAcceptPausesReadingForThePauseThenResumes() {
        listener.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));

        assertThat(listener.config().isAutoRead()).isFalse();
        listener.advanceTimeBy(999, TimeUnit.MILLISECONDS);
        listener.runScheduledPendingTasks();
        assertThat(listener.config().isAutoRead()).isFalse();
        listener.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        listener.runScheduledPendingTasks();
        assertThat(listener.config().isAutoRead()).isTrue();
    }

    @Test
    void theExceptionIsConsumedNotPassedToTheTailWhichWouldLogAStackTraceEachTime() {
        listener.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));

        listener.checkException(); // throws if the exception reached the end of the pipeline
    }

    @Test
    void everyFailureIsCountedButLoggedAtMostOncePerIntervalWithTheNumberSuppressed() {
        for (int i = 0; i < 5; i++) {
            listener.pipeline().fireExceptionCaught(new IOException("Too many open files"));
            now.addAndGet(Duration.ofSeconds(1).toNanos());
        }
        assertThat(counted).hasValue(5);
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("Too many open files", "(0 more failure(s)", "ulimit -n");

        now.addAndGet(Duration.ofSeconds(60).toNanos());
        listener.pipeline().fireExceptionCaught(new IOException("Too many open files"));
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(1)).contains("(4 more failure(s) since the last report)");
    }

    @Test
    void aFailureWhilePausedDoesNotScheduleASecondResume() {
        listener.pipeline().fireExceptionCaught(new IOException("Too many open files"));
        listener.pipeline().fireExceptionCaught(new IOException("Too many open files"));

        assertThat(counted).hasValue(2);
        listener.advanceTimeBy(1, TimeUnit.SECONDS);
        listener.runScheduledPendingTasks();
        assertThat(listener.config().isAutoRead()).isTrue();
        assertThat(listener.hasPendingTasks()).isFalse();
    }

    @Test
    void listeningChannelsSharingAReporterLogOneLineBetweenThem() {
        EmbeddedChannel second = new EmbeddedChannel(new AcceptErrorHandler(reporter, Duration.ofSeconds(1)));

        listener.pipeline().fireExceptionCaught(new IOException("Too many open files"));
        second.pipeline().fireExceptionCaught(new IOException("Too many open files"));

        assertThat(counted).hasValue(2);
        assertThat(warnings).hasSize(1);
        assertThat(second.config().isAutoRead()).isFalse();
        second.finishAndReleaseAll();
    }
}
