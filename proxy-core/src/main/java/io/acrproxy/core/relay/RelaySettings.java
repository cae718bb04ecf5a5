package io.acrproxy.core.relay;

import io.acrproxy.core.transport.epoll.SplicePipes;
import java.time.Duration;
import java.util.Objects;

/**
 * How tunnels relay ({@code timeouts.idle} and the {@code relay} section).
 *
 * @param idleTimeout      a tunnel with no byte either way for this long is closed; positive
 * @param spliceAfterBytes bytes a direction relays by copying before it switches to splice(2) on epoll;
 *                         {@link #NO_SPLICE}: never
 * @param splicePipes      the pipes splicing may hold at once ({@code relay.maxSplicePipes})
 */
public record RelaySettings(Duration idleTimeout, long spliceAfterBytes, SplicePipes splicePipes) {
    /** {@code spliceAfterBytes} of a relay that never splices. */
    public static final long NO_SPLICE = -1;

    public RelaySettings {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(splicePipes, "splicePipes");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive: " + idleTimeout);
        }
    }

    /** Copying only, with this idle timeout. */
    public static RelaySettings copying(Duration idleTimeout) {
        return new RelaySettings(idleTimeout, NO_SPLICE, new SplicePipes(0));
    }

    public boolean splices() {
        return spliceAfterBytes >= 0;
    }
}
