package io.acrproxy.core.dns;

import io.acrproxy.policy.Reason;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;

/** Maps a resolution failure to its design §5 reason: {@code dns_timeout} (504) or {@code dns_error} (502). */
public final class DnsFailures {
    private DnsFailures() {
    }

    public static Reason classify(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof DnsNameResolverTimeoutException || t instanceof ResolveTimeoutException) {
                return Reason.DNS_TIMEOUT;
            }
        }
        return Reason.DNS_ERROR;
    }

    /** The overall {@code resolver.timeout} ran out (each query has its own, shorter, timeout too). */
    public static final class ResolveTimeoutException extends Exception {
        private static final long serialVersionUID = 1L;

        public ResolveTimeoutException(String message) {
            super(message, null, false, false);
        }
    }
}
