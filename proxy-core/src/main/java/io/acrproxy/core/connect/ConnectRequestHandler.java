package io.acrproxy.core.connect;

import io.acrproxy.core.auth.ProxyAuthenticator;
import io.acrproxy.core.dns.DnsFailures;
import io.acrproxy.core.observe.TunnelRecord;
import io.acrproxy.core.tunnel.ExpectedErrors;
import io.acrproxy.core.tunnel.UpstreamConnector.ConnectFailure;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Policy;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.host.InvalidHostException;
import io.acrproxy.policy.host.IpLiteral;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stages 1–6 of SPEC §2 for one client connection: client check, header timeout, the request head from
 * {@link RequestHeadDecoder}, target grammar and policy decision, resolution and address filtering, the
 * upstream connection, and the {@code 200}. Then it hands the connection to {@link TunnelStarter}, which runs
 * the ClientHello inspection and the relay. Every refusal is answered by {@link Refusals} and recorded once.
 */
public final class ConnectRequestHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectRequestHandler.class);
    /** Long enough for a connection to finish, short enough that a retrying client barely notices. */
    static final long RETRY_AFTER_SECONDS = 2;
    /** Wrong credentials answered on one connection before it is closed. */
    static final int MAX_AUTH_FAILURES_PER_CONNECTION = 3;

    private final DataPlane plane;
    private TunnelRecord record;
    private ScheduledFuture<?> headerTimeout;
    private boolean answered;
    private boolean headReceived;
    private int authFailures;

    public ConnectRequestHandler(DataPlane plane) {
        this.plane = plane;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        plane.clients().add(ch);
        InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
        Policy policy = plane.policy();
        record = new TunnelRecord(plane.clock().instant(), plane.nanoClock().getAsLong())
                .client(remote.getAddress().getHostAddress() + ":" + remote.getPort())
                .policyVersion(policy.version());
        // Connections that end before a tunnel starts are logged here; a tunnel logs when it ends.
        plane.events().opened(record);
        ch.closeFuture().addListener(f -> {
            cancelHeaderTimeout();
            if (!record.tunnelStarted()) {
                plane.events().closed(record);
            }
        });
        Decision client = policy.decideClient(remote.getAddress());
        if (!client.allowed()) {
            record.decision(client);
            refuse(ctx, client);
            return;
        }
        ConnectionLimits.Admission admission = plane.limits().admit(remote.getAddress());
        if (admission != ConnectionLimits.Admission.ADMITTED) {
            String why = admission == ConnectionLimits.Admission.PROXY_FULL
                    ? "the proxy has limits.maxConnections open connections; retry shortly"
                    : "this client has limits.maxConnectionsPerClient open connections; close some or retry shortly";
            record.refused(Reason.CONNECTION_LIMIT, admission == ConnectionLimits.Admission.PROXY_FULL
                    ? "limits.maxConnections" : "limits.maxConnectionsPerClient");
            answer(ctx, Refusal.of(Reason.CONNECTION_LIMIT, admission.status(), Refusals.phrase(admission.status(), why))
                    .withRetryAfter(RETRY_AFTER_SECONDS));
            return;
        }
        ch.closeFuture().addListener(f -> plane.limits().release(remote.getAddress()));
        startHeaderTimer(ctx);
        ctx.fireChannelActive();
    }

    private void startHeaderTimer(ChannelHandlerContext ctx) {
        headerTimeout = ctx.executor().schedule(() -> {
            record.refused(Reason.HEADER_TIMEOUT, "timeouts.requestHeader");
            answer(ctx, Reason.HEADER_TIMEOUT, "the request head did not arrive within " + plane.requestHeaderTimeout().toMillis() + " ms");
        }, plane.requestHeaderTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (answered) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof RequestHeadError error) {
            cancelHeaderTimeout();
            record.refused(error.reason(), "request head (SPEC 4.1)");
            answer(ctx, Refusal.of(error));
        } else if (msg instanceof RequestHead head) {
            headReceived = true;
            cancelHeaderTimeout();
            onHead(ctx, head);
        } else {
            // The decoder holds every byte until the head is complete; anything else is a wiring error.
            ReferenceCountUtil.release(msg);
            throw new IllegalStateException("unexpected message before the request head: " + msg.getClass().getName());
        }
    }

    private void onHead(ChannelHandlerContext ctx, RequestHead head) {
        record.method(head.method()).target(head.target());
        if (plane.authenticator() == null) {
            onAuthenticatedHead(ctx, head);
            return;
        }
        InetAddress client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        if (plane.authenticator().isThrottled(client)) {
            record.refused(Reason.AUTH_FAILED, "auth throttle");
            answer(ctx, Refusal.of(Reason.AUTH_FAILED, 429, Refusals.phrase(429,
                    "too many failed proxy logins from this address; retry in a minute"))
                    .withRetryAfter(ProxyAuthenticator.FAILURE_WINDOW.toSeconds()));
            return;
        }
        plane.authenticator().check(head.header("Proxy-Authorization"), ctx.channel().eventLoop()).addListener(f -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            ProxyAuthenticator.Result result = (ProxyAuthenticator.Result) f.getNow();
            if (result instanceof ProxyAuthenticator.Ok ok) {
                record.user(ok.user());
                onAuthenticatedHead(ctx, head);
            } else {
                challenge(ctx, result);
            }
        });
    }

    /**
     * 407 with a Basic challenge, keeping the connection open for the retried request (SPEC §2 stage 3: .NET
     * sends credentials only after a challenge, on the same connection). After a few failures on one
     * connection the answer closes it instead: guessing costs a new connection each time.
     */
    private void challenge(ChannelHandlerContext ctx, ProxyAuthenticator.Result result) {
        Reason reason = result instanceof ProxyAuthenticator.Failed ? Reason.AUTH_FAILED : Reason.AUTH_REQUIRED;
        if (reason == Reason.AUTH_FAILED) {
            plane.authenticator().recordFailure(((InetSocketAddress) ctx.channel().remoteAddress()).getAddress());
        }
        String message = result instanceof ProxyAuthenticator.Failed failed
                ? "credentials rejected (" + failed.why() + ")" : "this proxy needs credentials (Proxy-Authorization: Basic)";
        record.refused(reason, "auth.users");
        Refusal refusal = Refusal.proxyAuthenticationRequired(reason, Refusals.phrase(407, message), plane.authRealm());
        if (reason == Reason.AUTH_FAILED && ++authFailures >= MAX_AUTH_FAILURES_PER_CONNECTION) {
            answer(ctx, refusal.withKeepAlive(false));
            return;
        }
        ctx.writeAndFlush(ProxyResponses.encode(refusal, ctx.alloc()));
        headReceived = false;
        startHeaderTimer(ctx);
        ctx.pipeline().replace(ProxyChannelInitializer.HEAD_DECODER, ProxyChannelInitializer.HEAD_DECODER,
                new RequestHeadDecoder(plane.maxHeaderBytes()));
    }

    private void onAuthenticatedHead(ChannelHandlerContext ctx, RequestHead head) {
        Policy policy = plane.policy();
        if (!head.isConnect()) {
            PlainHttpRefusal refusal = PlainHttpRefusal.of(head, policy);
            record.refused(refusal.reason(), refusal.rule());
            int status = refusal.reason() == Reason.MALFORMED_REQUEST ? 400 : 403;
            answer(ctx, Refusal.of(refusal.reason(), status, Refusals.phrase(status, refusal.message())).forRequest(head));
            return;
        }
        Authority target;
        try {
            target = Authority.parse(head.target());
        } catch (InvalidHostException e) {
            record.refused(Reason.MALFORMED_REQUEST, "authority grammar (SPEC 4.2)");
            answer(ctx, Reason.MALFORMED_REQUEST, e.getMessage());
            return;
        }
        Decision decision = policy.decide(target);
        record.decision(decision);
        if (!decision.permits()) {
            refuse(ctx, decision);
            return;
        }
        // Bytes pipelined behind the head stay in the decoder until the tunnel is ready for them; the decoder
        // stops reading when there are any (RequestHeadDecoder), so autoRead is left alone here.
        if (target.host() instanceof IpLiteral ip) {
            connect(ctx, policy, target, List.of(ip.address()));
        } else {
            long resolveStarted = plane.nanoClock().getAsLong();
            Future<List<InetAddress>> lookup = plane.resolver().resolve(target.host().text(), ctx.channel().eventLoop());
            lookup.addListener(f -> {
                plane.events().metrics().dnsResolved(plane.nanoClock().getAsLong() - resolveStarted);
                if (!ctx.channel().isActive()) {
                    return;
                }
                if (!f.isSuccess()) {
                    Reason reason = DnsFailures.classify(f.cause());
                    record.refused(reason, "resolving " + target.host().text());
                    answer(ctx, reason, target.host().text() + " could not be resolved ("
                            + (reason == Reason.DNS_TIMEOUT ? "the DNS query timed out" : "no such name or no answer") + ")");
                    return;
                }
                connect(ctx, policy, target, lookup.getNow());
            });
        }
    }

    /** Filters the addresses (SPEC §6.5) and connects to the first checked one that accepts. */
    private void connect(ChannelHandlerContext ctx, Policy policy, Authority target, List<InetAddress> resolved) {
        List<InetSocketAddress> checked = new ArrayList<>(resolved.size());
        Decision lastRefusal = null;
        for (InetAddress address : resolved) {
            Decision d = policy.decideResolved(target, address);
            if (d.permits()) {
                checked.add(new InetSocketAddress(address, target.port()));
                if (!d.allowed()) {
                    record.decision(d);
                }
            } else {
                lastRefusal = d;
            }
        }
        if (checked.isEmpty()) {
            Decision refusal = lastRefusal != null ? lastRefusal
                    : Decision.deny(Reason.DNS_ERROR, "resolution", target.host().text() + " has no address");
            record.decision(refusal);
            refuse(ctx, refusal);
            return;
        }
        long started = plane.nanoClock().getAsLong();
        plane.connector().connect(ctx.channel().eventLoop(), checked).addListener(f -> {
            if (!f.isSuccess()) {
                ConnectFailure failure = f.cause() instanceof ConnectFailure cf ? cf : null;
                Reason reason = failure != null ? failure.reason() : Reason.CONNECT_FAILED;
                record.refused(reason, "connecting to " + target);
                answer(ctx, reason, failure != null ? failure.getMessage() : "could not connect to " + target);
                return;
            }
            plane.events().metrics().upstreamConnected(plane.nanoClock().getAsLong() - started);
            Channel upstream = (Channel) f.getNow();
            if (!ctx.channel().isActive()) {
                upstream.close();
                return;
            }
            InetSocketAddress remote = (InetSocketAddress) upstream.remoteAddress();
            record.upstream(remote.getAddress().getHostAddress() + ":" + remote.getPort());
            LOG.debug("connected to {} for {} in {} ms", remote, target, (plane.nanoClock().getAsLong() - started) / 1_000_000);
            answered = true;
            new TunnelStarter(plane, record, policy, target, upstream).start(ctx);
        });
    }

    private void refuse(ChannelHandlerContext ctx, Decision d) {
        answer(ctx, d.reason(), d.message());
    }

    /** Answers with the reason's status and a phrase built from the message. */
    private void answer(ChannelHandlerContext ctx, Reason reason, String message) {
        answer(ctx, Refusal.of(reason, Refusals.phrase(reason.httpStatus(), message)));
    }

    private void answer(ChannelHandlerContext ctx, Refusal refusal) {
        if (answered) {
            return;
        }
        answered = true;
        cancelHeaderTimeout();
        plane.events().decided(record);
        Refusals.send(ctx.channel(), refusal);
    }

    private void cancelHeaderTimeout() {
        if (headerTimeout != null) {
            headerTimeout.cancel(false);
            headerTimeout = null;
        }
    }

    /**
     * Half-closure is allowed on client channels (a tunnel passes EOF on), so a client that leaves before its
     * request head would otherwise hold its connection slot until the header timeout.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && !headReceived) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ExpectedErrors.isExpected(cause)) {
            LOG.debug("connection {} ended: {}", record == null ? ctx.channel() : record, cause.toString());
            ctx.close();
            return;
        }
        LOG.warn("internal error on {} ({})", ctx.channel(), record == null ? "" : record, cause);
        if (record != null) {
            record.refused(Reason.INTERNAL_ERROR, "internal error");
        }
        if (!answered) {
            answer(ctx, Reason.INTERNAL_ERROR, "see the proxy's log");
        } else {
            ctx.close();
        }
    }
}
