package io.acrproxy.core.decide;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.request.RequestHead;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.GroupPolicy;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.host.InvalidHostException;
import io.acrproxy.policy.source.PolicyHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Stages 4 and 5 of a connection (design §2): a request that is not {@code CONNECT} is refused with the host's own
 * decision (design §2.2); the request-target must follow the authority grammar (design §4.2, {@code 400}); then the
 * policy in force decides on host and port (design §6). A permitted target goes on as an {@link AllowedConnect}; the
 * decision, and the version of the policy that made it, are in the access-log record either way.
 */
public final class DecisionHandler extends ChannelInboundHandlerAdapter {
    /** Its name in the pipeline. */
    public static final String NAME = "decide";

    private final ClientConnection connection;
    private final PolicyHolder policies;

    public DecisionHandler(ClientConnection connection, PolicyHolder policies) {
        this.connection = connection;
        this.policies = policies;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof RequestHead head) || connection.isAnswered()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Policy whole = policies.get();
        connection.record().policyVersion(whole.version());
        // The group is chosen now that the user is known (stage 3): by address, user and, on the TLS port, client
        // certificate, first match (design §6.7).
        GroupPolicy policy = whole.select(connection.clientAddress(), connection.record().user(),
                connection.clientCertificate());
        connection.record().group(policy.name());
        if (!head.isConnect()) {
            PlainHttpRefusal refusal = PlainHttpRefusal.of(head, policy);
            connection.refuse(refusal.reason(), refusal.rule(), refusal.answer(head));
            return;
        }
        Authority target;
        try {
            target = Authority.parse(head.target());
        } catch (InvalidHostException e) {
            connection.refuse(Reason.MALFORMED_REQUEST, "authority grammar", e.getMessage());
            return;
        }
        connection.record().authority(target);
        Decision decision = policy.decide(target);
        connection.record().decision(decision);
        if (!decision.permits()) {
            connection.refuse(decision);
            return;
        }
        ctx.fireChannelRead(new AllowedConnect(target, decision, policy));
    }
}
