package io.acrproxy.server.source;

import io.acrproxy.policy.servicetag.ServiceTagsFile;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What a check's outcome means and when the next check is due, with no threads: {@link PolicyRefresher} runs it
 * on its executor, tests drive it with a fake clock.
 *
 * <p>After a success the next check is one {@code interval} away. After failures it backs off exponentially
 * from {@code initialBackoff}, doubling per consecutive failure up to the interval: a source that is down for a
 * moment is retried soon, one that is down for long is not hammered. A success resets the backoff.
 *
 * <p>"Changed" means different content from what was last delivered (structural equality of the parsed file:
 * change number, cloud, every tag and prefix), so a server that ignores conditional requests, or a file
 * rewritten with the same content, does not cause a policy swap. A 304 is unchanged by definition.
 */
public final class RefreshStateMachine {

    /** What the refresher tells its listener. */
    public sealed interface Event {
        record Changed(ServiceTagsFile file) implements Event {
        }

        record Unchanged() implements Event {
        }

        record Failed(String reason) implements Event {
        }
    }

    /** An event and the delay until the next check. */
    public record Step(Event event, Duration nextDelay) {
    }

    private final Duration interval;
    private final Duration initialBackoff;
    private final Clock clock;
    private ServiceTagsFile delivered;
    private int consecutiveFailures;
    private Instant dueAt;

    /**
     * @param inForce the data in force at start (from the first fetch or the cache), or {@code null}; the first
     *                check is due one interval from now
     */
    public RefreshStateMachine(Duration interval, Duration initialBackoff, Clock clock, ServiceTagsFile inForce) {
        this.interval = positive(interval, "interval");
        this.initialBackoff = positive(initialBackoff, "initialBackoff").compareTo(interval) > 0 ? interval : initialBackoff;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.delivered = inForce;
        this.dueAt = clock.instant().plus(interval);
    }

    /** What an outcome means relative to what was last delivered; changes no state. */
    public Event classify(CheckOutcome outcome) {
        if (outcome instanceof CheckOutcome.Fetched f) {
            return f.file().equals(delivered) ? new Event.Unchanged() : new Event.Changed(f.file());
        }
        if (outcome instanceof CheckOutcome.Failed f) {
            return new Event.Failed(f.reason());
        }
        return new Event.Unchanged();
    }

    /**
     * Records a successful check; {@code newlyDelivered} is the file the listener accepted, or {@code null} when
     * nothing changed.
     *
     * @return the delay until the next check: the interval
     */
    public Duration succeeded(ServiceTagsFile newlyDelivered) {
        if (newlyDelivered != null) {
            delivered = newlyDelivered;
        }
        consecutiveFailures = 0;
        return scheduleIn(interval);
    }

    /** Records a failed check. @return the backoff delay until the next check */
    public Duration failed() {
        consecutiveFailures++;
        return scheduleIn(backoff(consecutiveFailures));
    }

    /** {@link #classify} then {@link #succeeded}/{@link #failed}, for a listener that accepts every change. */
    public Step onOutcome(CheckOutcome outcome) {
        Event event = classify(outcome);
        Duration next;
        if (event instanceof Event.Changed c) {
            next = succeeded(c.file());
        } else if (event instanceof Event.Failed) {
            next = failed();
        } else {
            next = succeeded(null);
        }
        return new Step(event, next);
    }

    /** When the next check is due. */
    public Instant dueAt() {
        return dueAt;
    }

    public boolean isDue() {
        return !clock.instant().isBefore(dueAt);
    }

    /** Zero once due. */
    public Duration delayUntilDue() {
        Duration left = Duration.between(clock.instant(), dueAt);
        return left.isNegative() ? Duration.ZERO : left;
    }

    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** The file last delivered (or in force at start), or {@code null}. */
    public ServiceTagsFile delivered() {
        return delivered;
    }

    private Duration backoff(int failures) {
        Duration delay = initialBackoff;
        for (int i = 1; i < failures && delay.compareTo(interval) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(interval) > 0 ? interval : delay;
    }

    private Duration scheduleIn(Duration delay) {
        dueAt = clock.instant().plus(delay);
        return delay;
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
        return d;
    }
}
