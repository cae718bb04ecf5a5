package io.acrproxy.server.source;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Closes a response body that is still being read when its time is up. {@code HttpRequest.timeout} bounds only
 * the wait for the response head; without this a server that trickles or stalls the body would hold the
 * refresher's thread for ever. Closing the JDK client's body stream cancels the exchange and ends a blocked
 * read with an {@link IOException}.
 */
final class BodyDeadline {
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile boolean expired;

    BodyDeadline(InputStream body, Duration timeout) {
        // The JDK's shared delayed executor: a daemon timer thread, no executor of our own to shut down.
        CompletableFuture.runAsync(() -> expire(body),
                CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** True when the body was closed because time ran out: the reader's exception is then about the deadline. */
    boolean expired() {
        return expired;
    }

    /** The body was read (or failed) in time. */
    void cancel() {
        done.set(true);
    }

    private void expire(InputStream body) {
        if (done.compareAndSet(false, true)) {
            expired = true;
            try {
                body.close();
            } catch (IOException e) {
                // Closing is best effort: the read it interrupts reports the failure.
            }
        }
    }
}
