package io.acrproxy.core.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.acrproxy.policy.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The access log's line, and its queue to its own thread: order kept, drops counted, flushed on close. */
class AccessLogTest {
    private static final Instant START = Instant.parse("2026-11-28T12:00:00.123456789Z");

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private AccessLog log;

    @AfterEach
    void closeLog() {
        if (log != null) {
            log.close();
        }
    }

    private AccessLog open(int capacity, Consumer<String> sink) {
        log = new AccessLog(nanos::get, capacity, () -> true, sink);
        return log;
    }

    private TunnelRecord record(String client) {
        return new TunnelRecord(START, 1_000_000_000L).client(client);
    }

    @Test
    void writesOneJsonObjectWithEveryFieldInTheDocumentedOrder() {
        open(16, lines::add);
        TunnelRecord r = record("10.0.0.7:51234").user("edge").clientCert("device1.plant-a.devices.contoso.com").group("plant-a").method("CONNECT").target("myreg.azurecr.io:443")
                .sni("myreg.azurecr.io").upstream("20.1.2.3:443").policyVersion("9b37bd9de740").bytes(517, 4096);
        r.refused(Reason.ALLOWED, "registry myreg");
        r.end(ConnectionEnd.COMPLETED);
        nanos.addAndGet(Duration.ofMillis(42).toNanos());

        log.write(r);

        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 1);
        assertThat(lines.get(0)).isEqualTo("{\"ts\":\"2026-11-28T12:00:00.123456789Z\",\"client\":\"10.0.0.7:51234\","
                + "\"user\":\"edge\",\"client_cert\":\"device1.plant-a.devices.contoso.com\",\"group\":\"plant-a\",\"method\":\"CONNECT\",\"target\":\"myreg.azurecr.io:443\",\"sni\":\"myreg.azurecr.io\","
                + "\"decision\":\"allow\",\"reason\":\"allowed\",\"rule\":\"registry myreg\",\"detail\":null,\"end\":\"completed\","
                + "\"upstream\":\"20.1.2.3:443\","
                + "\"bytes_up\":517,\"bytes_down\":4096,\"duration_ms\":42,\"policy_version\":\"9b37bd9de740\"}");
    }

    @Test
    void theDurationIsTakenWhenTheLineIsWrittenNotWhenItLeavesTheQueue() {
        CountDownLatch release = new CountDownLatch(1);
        open(16, line -> {
            awaitQuietly(release);
            lines.add(line);
        });
        nanos.addAndGet(Duration.ofMillis(7).toNanos());
        log.write(record("a"));
        nanos.addAndGet(Duration.ofSeconds(30).toNanos());

        release.countDown();
        log.close();

        assertThat(lines).singleElement().asString().contains("\"duration_ms\":7,");
    }

    @Test
    void aRecordIsWrittenOnce() {
        open(16, lines::add);
        TunnelRecord r = record("a");

        log.write(r);
        log.write(r);
        log.close();

        assertThat(lines).hasSize(1);
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlocking() {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        open(2, line -> {
            entered.countDown();
            awaitQuietly(release); // an output that has stopped taking lines
            lines.add(line);
        });
        log.write(record("1"));
        awaitQuietly(entered); // the thread holds line 1; the queue is empty again

        for (int i = 2; i <= 6; i++) {
            log.write(record(Integer.toString(i))); // returns at once even though nothing moves
        }

        assertThat(log.dropped()).isEqualTo(3);
        release.countDown();
        log.close();
        assertThat(lines).extracting(AccessLogTest::client).containsExactly("1", "2", "3");
        assertThat(log.dropped()).isEqualTo(3);
    }

    @Test
    void linesLeaveInTheOrderTheyWereWrittenAndCloseWritesWhatIsQueued() {
        open(10_000, lines::add);

        IntStream.range(0, 5_000).forEach(i -> log.write(record(Integer.toString(i))));
        log.close();

        assertThat(lines).extracting(AccessLogTest::client)
                .containsExactlyElementsOf(IntStream.range(0, 5_000).mapToObj(Integer::toString).toList());
        assertThat(log.dropped()).isZero();
    }

    @Test
    void aLineWrittenAfterCloseIsWrittenAtOnce() {
        open(16, lines::add);
        log.close();

        log.write(record("late"));

        assertThat(lines).extracting(AccessLogTest::client).containsExactly("late");
    }

    @Test
    void nothingIsQueuedWhenTheLoggerIsOff() {
        log = new AccessLog(nanos::get, 1, () -> false, lines::add);

        log.write(record("a"));
        log.write(record("b"));
        log.close();

        assertThat(lines).isEmpty();
        assertThat(log.dropped()).isZero();
    }

    private static String client(String line) {
        int start = line.indexOf("\"client\":\"") + 10;
        return line.substring(start, line.indexOf('"', start));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
