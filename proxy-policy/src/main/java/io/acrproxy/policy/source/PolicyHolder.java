package io.acrproxy.policy.source;

import io.acrproxy.policy.Policy;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The policy in force, behind one atomic reference (design §6.1): each connection reads it once per decision
 * and a reload swaps it whole, so a decision never sees half of an old policy and half of a new one.
 */
public final class PolicyHolder {
    private final AtomicReference<Policy> current;

    public PolicyHolder(Policy initial) {
        this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
    }

    public Policy get() {
        return current.get();
    }

    /** Installs {@code next} and returns the policy it replaced. */
    public Policy swap(Policy next) {
        return current.getAndSet(Objects.requireNonNull(next, "next"));
    }
}
