package io.acrproxy.server;

import io.acrproxy.policy.net.IpAddresses;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A socket the proxy was configured to listen on could not be bound: which one ({@code listen} or {@code admin}), its
 * exact address and port as the operator writes them, and the system's reason.
 */
public final class ListenException extends IOException {
    private static final long serialVersionUID = 1L;

    ListenException(String key, InetSocketAddress address, Throwable cause) {
        super("cannot listen on " + IpAddresses.toText(address) + " (" + key + "): " + reason(cause), cause);
    }

    /** Netty's epoll exceptions say "bind(..) failed: Address already in use"; the reason is the part after the colon. */
    private static String reason(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        int colon = message.lastIndexOf(": ");
        return colon >= 0 ? message.substring(colon + 2) : message;
    }
}
