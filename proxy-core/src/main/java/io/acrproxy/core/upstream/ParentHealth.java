package io.acrproxy.core.upstream;

import io.acrproxy.core.observe.ProxyMetrics;
import io.acrproxy.policy.route.ParentProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which parent proxies are skipped for now (design §2.3): a parent that could not be reached, or did not answer in
 * time, goes to the end of every route's order for {@code timeouts.parentRetry}, so that the next tunnels do not wait
 * for it; it is still tried after the others, and its next success puts it back. Logged once when a parent is skipped
 * and once when it answers again; {@code acrproxy_parent_up} and {@code /policy} show the state. Thread-safe: every
 * event loop shares one.
 */
public final class ParentHealth {
    private static final Logger LOG = LoggerFactory.getLogger(ParentHealth.class);

    /** One parent's state: the monotonic time until which it is skipped (0: not skipped), and its meters. */
    private static final class State {
        final ParentProxy parent;
        final AtomicLong skippedUntil = new AtomicLong();
        volatile String lastFailure;
        ProxyMetrics.ParentMeters meters;

        State(ParentProxy parent) {
            this.parent = parent;
        }
    }

    /** What {@code /policy} shows of a parent. */
    public record Status(ParentProxy parent, boolean skipped, long skippedForMillis, String lastFailure) {
    }

    private final Map<String, State> states = new LinkedHashMap<>();
    private final Duration retry;
    private final LongSupplier nanoClock;

    public ParentHealth(List<ParentProxy> parents, Duration retry, LongSupplier nanoClock, ProxyMetrics metrics) {
        this.retry = retry;
        this.nanoClock = nanoClock;
        for (ParentProxy p : parents) {
            State s = new State(p);
            s.meters = metrics.parent(p.name(), () -> isSkipped(s) ? 0 : 1);
            states.put(p.name(), s);
        }
    }

    /** {@code parents} in the order to try them: those not skipped first, in their order, then the skipped ones. */
    List<ParentProxy> order(List<ParentProxy> parents) {
        List<ParentProxy> first = new ArrayList<>(parents.size());
        List<ParentProxy> last = new ArrayList<>(0);
        for (ParentProxy p : parents) {
            (isSkipped(state(p)) ? last : first).add(p);
        }
        first.addAll(last);
        return first;
    }

    void connected(ParentProxy parent, long nanos) {
        State s = state(parent);
        s.meters.connected(nanos);
        if (s.skippedUntil.getAndSet(0) != 0) {
            LOG.info("parent proxy {} ({}) answers again", parent.name(), parent.address());
        }
    }

    void failed(ParentFailure failure) {
        State s = state(failure.parent());
        s.meters.failed(failure.reason());
        s.lastFailure = failure.getMessage();
        if (!failure.failover()) {
            return; // it answered: alive, just not willing or not well
        }
        long until = nanoClock.getAsLong() + retry.toNanos();
        if (s.skippedUntil.getAndSet(until) == 0) {
            LOG.warn("{}; it is tried after the other parents for the next {} s (timeouts.parentRetry)",
                    failure.getMessage(), retry.toSeconds());
        }
    }

    private boolean isSkipped(State s) {
        long until = s.skippedUntil.get();
        return until != 0 && nanoClock.getAsLong() - until < 0;
    }

    private State state(ParentProxy parent) {
        State s = states.get(parent.name());
        if (s == null) {
            throw new IllegalArgumentException("unknown parent " + parent.name());
        }
        return s;
    }

    /** Every parent's state, in configured order. */
    public List<Status> statuses() {
        List<Status> out = new ArrayList<>();
        long now = nanoClock.getAsLong();
        for (State s : states.values()) {
            boolean skipped = isSkipped(s);
            out.add(new Status(s.parent, skipped, skipped ? (s.skippedUntil.get() - now) / 1_000_000 : 0, s.lastFailure));
        }
        return out;
    }

    /** Whether {@code parent} is skipped now. */
    boolean isSkipped(ParentProxy parent) {
        return isSkipped(state(parent));
    }
}
