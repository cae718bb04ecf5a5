package io.acrproxy.core.upstream;

import io.acrproxy.core.connection.ClientConnection;
import io.acrproxy.core.decide.AllowedConnect;
import io.acrproxy.core.dns.DnsFailures;
import io.acrproxy.core.upstream.UpstreamConnector.ConnectFailure;
import io.acrproxy.policy.Decision;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.host.IpLiteral;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.policy.route.Route;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 6 of a connection (design §2): resolves the permitted target once (an IP literal is its own address),
 * checks every address against the destination filter with the same policy that allowed the target (design §6.5),
 * and connects to the first checked address that accepts, never re-resolving between check and connect. A target
 * whose route goes through parent proxies is not resolved at all: the parents are asked for it by name
 * ({@link ParentConnector}). The connected upstream channel goes to {@link Connected} — in production the ClientHello stage, which answers
 * {@code 200} and takes over. DNS and connect failures are answered {@code 502}/{@code 504} (design §5).
 *
 * <p>Bytes the client pipelined behind its head stay in the request-head decoder meanwhile (it stops reading while
 * it holds any), so nothing is read that nobody could take.
 */
public final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    /** Its name in the pipeline. */
    public static final String NAME = "upstream";
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamHandler.class);

    /** What comes after a connected upstream. */
    @FunctionalInterface
    public interface Connected {
        /** Called on the client's event loop with the client still open; owns {@code upstream} from now on. */
        void connected(ChannelHandlerContext ctx, AllowedConnect request, Channel upstream);
    }

    private final ClientConnection connection;
    private final Upstreams upstreams;
    private final Connected next;

    public UpstreamHandler(ClientConnection connection, Upstreams upstreams, Connected next) {
        this.connection = connection;
        this.upstreams = upstreams;
        this.next = next;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof AllowedConnect request) || connection.isAnswered()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Authority target = request.target();
        if (upstreams.routes().route(target) instanceof Route.ViaParents via) {
            connectThroughParents(ctx, request, via);
            return;
        }
        if (target.host() instanceof IpLiteral ip) {
            connect(ctx, request, List.of(ip.address()));
            return;
        }
        long started = connection.events().nanoTime();
        Future<List<InetAddress>> lookup = upstreams.resolver().resolve(target.host().text(), ctx.channel().eventLoop());
        lookup.addListener(f -> {
            connection.events().metrics().dnsResolved(connection.events().nanoTime() - started);
            if (!ctx.channel().isActive()) {
                return;
            }
            if (f.isSuccess()) {
                connect(ctx, request, lookup.getNow());
                return;
            }
            Reason reason = DnsFailures.classify(f.cause());
            connection.refuse(reason, "resolving " + target.host().text(), target.host().text() + " could not be resolved ("
                    + (reason == Reason.DNS_TIMEOUT ? "the DNS query timed out" : "no such name or no answer") + ")");
        });
    }

    /**
     * Asks the route's parents for a tunnel to the target's name (design §2.3): nothing is resolved or filtered here,
     * the parent does that; the destination filter does not apply to the parents' own addresses.
     */
    private void connectThroughParents(ChannelHandlerContext ctx, AllowedConnect request, Route.ViaParents via) {
        Authority target = request.target();
        upstreams.parents().open(ctx.channel().eventLoop(), via.parents(), target).addListener(f -> {
            if (!f.isSuccess()) {
                if (f.cause() instanceof ParentFailure failure && failure.reason() == Reason.RESOURCE_EXHAUSTED) {
                    refuseOutOfDescriptors(failure.getMessage());
                } else if (f.cause() instanceof ParentFailure failure) {
                    connection.refuse(failure.reason(), "parent " + failure.parent().name(), failure.refusal());
                } else {
                    connection.refuse(Reason.PARENT_UNREACHABLE, "parents", "no parent proxy could be reached");
                }
                return;
            }
            ParentConnector.Opened opened = (ParentConnector.Opened) f.getNow();
            if (!ctx.channel().isActive() || connection.isAnswered()) {
                opened.channel().close();
                return;
            }
            connection.record().upstream(opened.parent().name() + " (" + opened.parent().address() + ")");
            next.connected(ctx, request, opened.channel());
        });
    }

    /** Filters the addresses (design §6.5) and connects to the first checked one that accepts. */
    private void connect(ChannelHandlerContext ctx, AllowedConnect request, List<InetAddress> resolved) {
        Authority target = request.target();
        List<InetSocketAddress> checked = new ArrayList<>(resolved.size());
        Decision lastRefusal = null;
        for (InetAddress address : resolved) {
            Decision d = request.policy().decideResolved(target, address);
            if (d.permits()) {
                checked.add(new InetSocketAddress(address, target.port()));
                if (!d.allowed()) {
                    connection.record().decision(d); // report mode: would_deny, and why
                }
            } else {
                lastRefusal = d;
            }
        }
        if (checked.isEmpty()) {
            if (lastRefusal != null) {
                connection.refuse(lastRefusal);
            } else {
                connection.refuse(Reason.DNS_ERROR, "resolution", target.host().text() + " has no address");
            }
            return;
        }
        long started = connection.events().nanoTime();
        upstreams.connector().connect(ctx.channel().eventLoop(), checked).addListener(f -> {
            if (!f.isSuccess()) {
                ConnectFailure failure = f.cause() instanceof ConnectFailure cf ? cf : null;
                if (failure != null && failure.reason() == Reason.RESOURCE_EXHAUSTED) {
                    refuseOutOfDescriptors(failure.getMessage());
                    return;
                }
                connection.refuse(failure != null ? failure.reason() : Reason.CONNECT_FAILED, "connecting to " + target,
                        failure != null ? failure.getMessage() : "could not connect to " + target);
                return;
            }
            long nanos = connection.events().nanoTime() - started;
            connection.events().metrics().upstreamConnected(nanos);
            Channel upstream = (Channel) f.getNow();
            if (!ctx.channel().isActive() || connection.isAnswered()) {
                upstream.close();
                return;
            }
            InetSocketAddress remote = (InetSocketAddress) upstream.remoteAddress();
            connection.record().upstream(IpAddresses.toText(remote));
            LOG.debug("connected to {} for {} in {} ms", IpAddresses.toText(remote), target, nanos / 1_000_000);
            next.connected(ctx, request, upstream);
        });
    }

    /**
     * The proxy has no descriptor left for the upstream socket (design §2.1): {@code 503} with {@code Retry-After},
     * as when it is short of memory, and one warning a minute; the client connection itself is fine.
     */
    private void refuseOutOfDescriptors(String message) {
        connection.refuseShortOf("file descriptors", "file descriptors", message,
                "raise the open-file limit (ulimit -n, LimitNOFILE) or lower limits.maxConnections");
    }
}
