package io.acrproxy.core.relay;

import io.acrproxy.core.observe.ExpectedErrors;
import java.time.Duration;
import java.util.Objects;

/**
 * How one tunnel ended: what {@link Relay.Listener#onClosed} receives, once per tunnel.
 *
 * @param outcome         why the tunnel ended
 * @param bytesUpstream   bytes read from the client and forwarded upstream, including the bytes handed to
 *                        {@code Relay.start} (the replayed ClientHello)
 * @param bytesDownstream bytes read from upstream and forwarded to the client
 * @param duration        from {@code Relay.start} to the end, on the event loop's ticker
 * @param side            the channel that failed or closed, for {@link Outcome#EXPECTED_ERROR},
 *                        {@link Outcome#UNEXPECTED_ERROR} and {@link Outcome#CHANNEL_CLOSED}; otherwise null
 * @param cause           the error, for the two error outcomes; otherwise null
 * @param reason          the caller's words, for {@link Outcome#CLOSED_BY_CALLER} and {@link Outcome#REVOKED};
 *                        otherwise null
 */
public record RelayResult(
        Outcome outcome,
        long bytesUpstream,
        long bytesDownstream,
        Duration duration,
        Side side,
        Throwable cause,
        String reason) {

    /** Why a tunnel ended. The names are fit for a bounded metric label. */
    public enum Outcome {
        /**
         * Both sides sent EOF and each EOF was passed on (design §8): the first as a write shutdown, the last as
         * the close that ends the tunnel (which sends the same FIN). Also: a side ended its stream with TLS
         * close_notify, whatever came after ({@link Relay#closeNotify}).
         */
        COMPLETED,
        /** No byte moved either way for the idle timeout. */
        IDLE_TIMEOUT,
        /** Reset, broken pipe or a closed channel: the network's ordinary way of ending (see {@link ExpectedErrors}). */
        EXPECTED_ERROR,
        /** Anything else; worth a log line with context. */
        UNEXPECTED_ERROR,
        /** {@link Relay#close(String)}: e.g. the server is shutting down. */
        CLOSED_BY_CALLER,
        /** {@link Relay#revoke(String)}: a policy reload withdrew the tunnel's permission ({@code revokeOnReload}). */
        REVOKED,
        /** One channel was closed by something other than the relay, with no error seen. */
        CHANNEL_CLOSED
    }

    /** The two ends of a tunnel. */
    public enum Side {
        CLIENT,
        UPSTREAM;

        public Side other() {
            return this == CLIENT ? UPSTREAM : CLIENT;
        }
    }

    public RelayResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(duration, "duration");
    }

    public boolean isError() {
        return outcome == Outcome.EXPECTED_ERROR || outcome == Outcome.UNEXPECTED_ERROR;
    }
}
