package io.acrproxy.core.auth;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.connection.Refusal;
import io.acrproxy.core.request.RequestHead;
import io.acrproxy.core.request.RequestHeadHandler;
import io.acrproxy.policy.Reason;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Stage 3 of a connection when {@code auth.users} is set (design §5.1): Basic proxy authentication. Credentials
 * sent up front (Go, curl, Docker) are checked at once; without them, or with wrong ones, the answer is a {@code 407}
 * challenge that keeps the connection open for the retried request (.NET sends credentials only after a challenge,
 * on the same connection). The third wrong answer on one connection closes it, and an address that failed too often
 * in the last minute gets {@code 429} with {@code Retry-After}. An authenticated head goes on with the user name in
 * the access-log record. Passwords are verified off the event loop ({@link ProxyAuthenticator}).
 */
public final class ProxyAuthHandler extends ChannelInboundHandlerAdapter {
    /** Its name in the pipeline. */
    public static final String NAME = "auth";
    /** Wrong credentials answered on one connection before it is closed. */
    static final int MAX_FAILURES_PER_CONNECTION = 3;

    private final ClientConnection connection;
    private final ProxyAuthenticator authenticator;
    private int failures;

    public ProxyAuthHandler(ClientConnection connection, ProxyAuthenticator authenticator) {
        this.connection = connection;
        this.authenticator = authenticator;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof RequestHead head) || connection.isAnswered()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (authenticator.isThrottled(connection.clientAddress())) {
            connection.refuse(Reason.AUTH_FAILED, "auth throttle", Refusal.explained(Reason.AUTH_FAILED, 429,
                    "too many failed proxy logins from this address; retry in a minute")
                    .withRetryAfter(ProxyAuthenticator.FAILURE_WINDOW.toSeconds()));
            return;
        }
        authenticator.check(head.header("Proxy-Authorization"), ctx.channel().eventLoop()).addListener(f -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            ProxyAuthenticator.Result result = (ProxyAuthenticator.Result) f.getNow();
            if (result instanceof ProxyAuthenticator.Ok ok) {
                connection.record().user(ok.user());
                ctx.fireChannelRead(head);
            } else {
                challenge(ctx, result);
            }
        });
    }

    /** A {@code 407}; after a few failures on one connection it closes it instead: guessing costs a new connection. */
    private void challenge(ChannelHandlerContext ctx, ProxyAuthenticator.Result result) {
        boolean failed = result instanceof ProxyAuthenticator.Failed;
        Reason reason = failed ? Reason.AUTH_FAILED : Reason.AUTH_REQUIRED;
        String message = result instanceof ProxyAuthenticator.Failed f
                ? "credentials rejected (" + f.why() + ")" : "this proxy needs credentials (Proxy-Authorization: Basic)";
        Refusal challenge = Refusal.proxyAuthenticationRequired(reason, Refusal.phrase(407, message), authenticator.realm());
        if (failed) {
            authenticator.recordFailure(connection.clientAddress());
            if (++failures >= MAX_FAILURES_PER_CONNECTION) {
                connection.refuse(reason, "auth.users", challenge.withKeepAlive(false));
                return;
            }
        }
        connection.challenge(reason, "auth.users", challenge);
        ctx.pipeline().get(RequestHeadHandler.class).readAnotherHead();
    }
}
