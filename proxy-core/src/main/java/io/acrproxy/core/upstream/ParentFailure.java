package io.acrproxy.core.upstream;

import io.acrproxy.core.connection.Refusal;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.route.ParentProxy;

/**
 * Why a tunnel through a parent proxy could not be opened: the reason code, the parent, and what it answered.
 *
 * @param failover true when the parent could not be reached or did not answer in time: the next parent of the route
 *                 is tried and this one skipped for a while; false when it answered (it decided, or is broken)
 */
public final class ParentFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient ParentProxy parent;
    private final Reason reason;
    private final int receivedStatus;
    private final boolean failover;

    ParentFailure(ParentProxy parent, Reason reason, String message, int receivedStatus, boolean failover) {
        super(message, null, false, false);
        this.parent = parent;
        this.reason = reason;
        this.receivedStatus = receivedStatus;
        this.failover = failover;
    }

    public ParentProxy parent() {
        return parent;
    }

    public Reason reason() {
        return reason;
    }

    /** The parent's status, or 0 when it did not answer. */
    public int receivedStatus() {
        return receivedStatus;
    }

    boolean failover() {
        return failover;
    }

    /** The answer to the client: the reason's status, the message, and the parent as RFC 9209's next hop. */
    public Refusal refusal() {
        return Refusal.explained(reason, getMessage()).withNextHop(parent.name(), receivedStatus);
    }
}
