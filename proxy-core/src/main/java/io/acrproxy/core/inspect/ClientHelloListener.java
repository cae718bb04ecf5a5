package io.acrproxy.core.inspect;

import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Reason;

/**
 * Told exactly once per {@link ClientHelloInspector} how stage 7 (design §7) ended, on the channel's event loop.
 * The data plane logs the server name and reason in the access log and counts the outcome (design §9).
 */
public interface ClientHelloListener {
    /**
     * The hello is permitted (allow, or would_deny in report mode). Called just before the inspector leaves
     * the pipeline and passes on the bytes it held, so a relay handler that is behind it already, or is added
     * behind it now, receives them all. Closing the channel here forwards nothing.
     */
    void onAccepted(Accepted accepted);

    /** The hello was refused; the alert (if any) is written and the channel is closing. */
    void onRefused(Refused refused);

    /**
     * The client closed or half-closed before a whole ClientHello arrived (or the inspector was removed from the
     * pipeline undecided, and closed the channel): nothing was decided, nothing forwarded.
     */
    void onClosed(int bytesReceived);

    /**
     * @param hello      the parsed hello, with the normalised server name or {@code null}
     * @param decision   the policy's {@link Decision#permits() permitting} decision: allow or would_deny
     * @param helloBytes how many bytes the hello's records occupied on the wire
     */
    record Accepted(ClientHelloInfo hello, Decision decision, int helloBytes) {
        public String serverName() {
            return hello.serverName();
        }
    }

    /**
     * @param reason     a §5 reason code: one of the stage 7 reasons, or {@link Reason#INTERNAL_ERROR}
     * @param message    what was wrong, for the log, e.g. {@code server_name has 2 host_name entries}
     * @param serverName the normalised server name when the hello was well-formed, else {@code null}
     * @param decision   the refusing policy decision, or {@code null} when the hello itself was refused
     */
    record Refused(Reason reason, String message, String serverName, Decision decision) {
    }
}
