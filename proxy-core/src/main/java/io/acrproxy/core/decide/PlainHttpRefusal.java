package io.acrproxy.core.decide;

import io.acrproxy.core.connection.Refusal;
import io.acrproxy.core.request.RequestHead;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.GroupPolicy;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.host.HostName;
import io.acrproxy.policy.host.InvalidHostException;

/**
 * The answer to a plain-HTTP proxy request ({@code GET http://host/...}), which is never forwarded (design §2):
 * a {@code 403} whose reason names the host's own policy decision, so that a misconfigured client learns
 * both that it must use HTTPS and whether the host would be allowed. Paths under {@code /v2/} get a
 * registry-style JSON body so that {@code docker pull} prints the message.
 *
 * <p>The host is judged on port 443 unless the URL names a port: the question the user has is whether the
 * HTTPS form of the same request would pass.
 */
record PlainHttpRefusal(Reason reason, String rule, String message) {

    static PlainHttpRefusal of(RequestHead head, GroupPolicy policy) {
        String target = head.target();
        String authority = null;
        for (String scheme : new String[] {"http://", "https://"}) {
            if (target.regionMatches(true, 0, scheme, 0, scheme.length())) {
                String rest = target.substring(scheme.length());
                int slash = rest.indexOf('/');
                authority = slash < 0 ? rest : rest.substring(0, slash);
            }
        }
        if (authority == null && target.startsWith("/")) {
            authority = head.header("Host"); // origin-form: the client talks to the proxy as if it were the registry
        }
        String notForwarded = head.method() + " requests are not forwarded, only CONNECT tunnels (use https://)";
        if (authority == null || authority.isEmpty()) {
            return new PlainHttpRefusal(Reason.METHOD_NOT_ALLOWED, "CONNECT only", notForwarded);
        }
        Decision host;
        try {
            host = policy.decide(Authority.parse(authority.indexOf(':') >= 0 && !authority.endsWith("]") ? authority : authority + ":443"));
        } catch (InvalidHostException e) {
            return new PlainHttpRefusal(Reason.MALFORMED_REQUEST, "authority grammar", e.getMessage());
        }
        if (!host.permits()) {
            return new PlainHttpRefusal(host.reason(), host.rule(), host.message() + "; and " + notForwarded);
        }
        return new PlainHttpRefusal(Reason.METHOD_NOT_ALLOWED, "CONNECT only",
                notForwarded + "; " + HostName.quote(authority).replace("\"", "") + " is allowed over HTTPS");
    }

    /** The answer: {@code 400} for a malformed URL, else {@code 403}, with a body that fits the request. */
    Refusal answer(RequestHead head) {
        int status = reason == Reason.MALFORMED_REQUEST ? 400 : 403;
        return Refusal.explained(reason, status, message).forRequest(head.method(), head.target());
    }
}
