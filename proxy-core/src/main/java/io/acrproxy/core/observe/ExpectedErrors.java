package io.acrproxy.core.observe;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.util.regex.Pattern;

/**
 * Tells the network's ordinary endings (a peer that resets, a pipe that breaks, a channel already closed)
 * from errors worth a log line. A registry client that gives up mid-layer resets its connection; that is
 * a counter, not a stack trace (design §8.2).
 */
public final class ExpectedErrors {
    /**
     * The JDK (NIO) and Netty's native transports (epoll, io_uring) report ECONNRESET, EPIPE and
     * ECONNABORTED as plain {@link IOException}s whose message carries the strerror text, e.g.
     * "Connection reset by peer" or "writevAddresses(..) failed: Broken pipe"; the message is all there is.
     */
    private static final Pattern EXPECTED_MESSAGE =
            Pattern.compile("connection reset|broken pipe|connection aborted", Pattern.CASE_INSENSITIVE);
    /** Causes nest a level or two (a ClosedChannelException wrapping the write error); cycles are possible. */
    private static final int MAX_DEPTH = 8;

    private ExpectedErrors() {
    }

    /**
     * True when the peer ended the connection abruptly (a reset, a broken pipe, an aborted connection), as opposed
     * to a channel that was merely closed already: what the relay passes on as a reset (design §8.2).
     */
    public static boolean isAbrupt(Throwable error) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof IOException && t.getMessage() != null && EXPECTED_MESSAGE.matcher(t.getMessage()).find()) {
                return true;
            }
        }
        return false;
    }

    public static boolean isExpected(Throwable error) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            // ENOTCONN from shutdown(2), which Netty's native transports report as NotYetConnectedException: the peer's
            // reset (or both FINs) put the socket in CLOSE while the other side's FIN was being passed on to it.
            if (t instanceof ClosedChannelException || t instanceof NotYetConnectedException) {
                return true;
            }
            if (t instanceof IOException && t.getMessage() != null && EXPECTED_MESSAGE.matcher(t.getMessage()).find()) {
                return true;
            }
        }
        return false;
    }
}
