package io.acrproxy.server.source;

import io.acrproxy.policy.servicetag.ServiceTagsFile;
import io.acrproxy.server.source.RefreshStateMachine.Event;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the service-tags source every {@code refreshInterval}, backing off after failures (design §6.6), and on
 * demand ({@link #refreshNow()}, for {@code POST /reload} and {@code SIGHUP}).
 *
 * <p>Checks run on one daemon thread of its own: a download and a 4 MB parse must never run on an event loop,
 * and one thread means checks never overlap, so the state machine and the fetcher need no locking. The timing
 * and the meaning of outcomes live in {@link RefreshStateMachine}; this class only runs it.
 *
 * <p>A failure never replaces data: the listener is told the reason and the last good data stays in force.
 */
public final class PolicyRefresher implements AutoCloseable {
    /** The first retry after a failure; doubled per consecutive failure up to the interval. */
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMinutes(1);

    private static final Logger LOG = LoggerFactory.getLogger(PolicyRefresher.class);

    private final ServiceTagsCheck source;
    private final RefreshListener listener;
    private final RefreshStateMachine machine;
    private final ScheduledExecutorService executor;
    /** Touched only on the executor's thread. */
    private ScheduledFuture<?> pending;
    private volatile Instant nextCheckAt;

    /**
     * @param inForce the service tags in force at start-up (from the first fetch or the cache), or {@code null}
     */
    public PolicyRefresher(ServiceTagsCheck source, Duration interval, Duration initialBackoff, Clock clock,
                           ServiceTagsFile inForce, RefreshListener listener) {
        this.source = source;
        this.listener = listener;
        this.machine = new RefreshStateMachine(interval, initialBackoff, clock, inForce);
        this.executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "service-tags-refresher");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** With {@link #DEFAULT_INITIAL_BACKOFF}. */
    public PolicyRefresher(ServiceTagsCheck source, Duration interval, Clock clock, ServiceTagsFile inForce,
                           RefreshListener listener) {
        this(source, interval, DEFAULT_INITIAL_BACKOFF, clock, inForce, listener);
    }

    /**
     * Schedules the first check: one interval away, or one backoff away when start-up could not reach the
     * source (e.g. it started from the cache file).
     */
    public void start(boolean startupCheckFailed) {
        executor.execute(() -> schedule(startupCheckFailed ? machine.failed() : machine.succeeded(null)));
    }

    /**
     * Checks now, ahead of the schedule; the next scheduled check is then counted from this one.
     *
     * @return completes with what the check found, after the listener has been told
     */
    public CompletableFuture<Event> refreshNow() {
        CompletableFuture<Event> result = new CompletableFuture<>();
        try {
            executor.execute(() -> result.complete(runCheck()));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("service-tags refresher is closed", e));
        }
        return result;
    }

    /** When the next scheduled check is due, or {@code null} before {@link #start}. */
    public Instant nextCheckAt() {
        return nextCheckAt;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    private Event runCheck() {
        CheckOutcome outcome;
        try {
            outcome = source.check();
        } catch (RuntimeException e) {
            // A source is meant to report failures, not throw; a bug there must not end the schedule.
            outcome = new CheckOutcome.Failed("check failed: " + e);
        }
        Event event = machine.classify(outcome);
        if (event instanceof Event.Changed changed) {
            try {
                listener.onChanged(changed.file());
                LOG.info("service tags changed: changeNumber {}", changed.file().changeNumber());
                schedule(machine.succeeded(changed.file()));
                return event;
            } catch (RuntimeException e) {
                event = new Event.Failed("new service tags not installed: " + e.getMessage());
            }
        }
        if (event instanceof Event.Failed failed) {
            LOG.warn("service-tags refresh failed, the last good service tags stay in force: {}", failed.reason());
            tell(() -> listener.onFailed(failed.reason()));
            schedule(machine.failed());
        } else {
            tell(listener::onUnchanged);
            schedule(machine.succeeded(null));
        }
        return event;
    }

    /** Replaces any pending check, so that refreshNow() or a second start() never leaves two schedules. */
    private void schedule(Duration delay) {
        if (pending != null) {
            pending.cancel(false);
        }
        nextCheckAt = machine.dueAt();
        pending = executor.schedule(this::runCheck, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A throwing listener must not stop the schedule. */
    private static void tell(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("service-tags listener failed", e);
        }
    }
}
