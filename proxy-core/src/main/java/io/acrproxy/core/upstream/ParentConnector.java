package io.acrproxy.core.upstream;

import io.acrproxy.core.dns.HostResolver;
import io.acrproxy.policy.DurationText;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.host.Authority;
import io.acrproxy.policy.net.IpAddresses;
import io.acrproxy.policy.route.ParentProxy;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Opens a tunnel through parent proxies (design §2.3): tries the route's parents in order (those skipped after a
 * failure last, {@link ParentHealth}), each one by resolving its host if it is a name, connecting within
 * {@code timeouts.upstreamConnect}, and asking for the target with {@code CONNECT} ({@link ParentHandshake}). A parent
 * that cannot be reached or does not answer in time is skipped and the next one tried; a parent that answers with an
 * error decides for the route, and the tunnel is refused with its answer. Never connects to the target itself.
 *
 * <p>The parent's own address is not checked against the destination filter: parents usually sit in private ranges,
 * and only the configured parent addresses are reached this way.
 */
public final class ParentConnector {
    /** A tunnel through a parent: the connected channel (after its {@code 2xx}) and which parent. */
    public record Opened(Channel channel, ParentProxy parent) {
    }

    private final HostResolver resolver;
    private final Connector connector;
    private final ParentHealth health;
    private final Duration timeout;
    private final LongSupplier nanoClock;

    /** @param timeout {@code timeouts.upstreamConnect}: for the TCP connect, and again for the parent's answer */
    public ParentConnector(HostResolver resolver, Connector connector, ParentHealth health, Duration timeout,
            LongSupplier nanoClock) {
        this.resolver = resolver;
        this.connector = connector;
        this.health = health;
        this.timeout = timeout;
        this.nanoClock = nanoClock;
    }

    public ParentHealth health() {
        return health;
    }

    /**
     * Succeeds with the tunnel, or fails with the {@link ParentFailure} that decides the refusal: the last parent's
     * when none could be reached, or the answering parent's refusal.
     */
    public Future<Opened> open(EventLoop loop, List<ParentProxy> parents, Authority target) {
        Promise<Opened> promise = loop.newPromise();
        attempt(loop, health.order(parents), 0, target, promise, new ArrayList<>());
        return promise;
    }

    private void attempt(EventLoop loop, List<ParentProxy> order, int index, Authority target, Promise<Opened> promise,
            List<String> failures) {
        ParentProxy parent = order.get(index);
        long started = nanoClock.getAsLong();
        addresses(loop, parent).addListener(resolved -> {
            if (!resolved.isSuccess()) {
                next(loop, order, index, target, promise, failures, new ParentFailure(parent, Reason.PARENT_UNREACHABLE,
                        "the name of parent proxy " + parent.name() + " (" + parent.address() + ") could not be resolved",
                        0, true));
                return;
            }
            @SuppressWarnings("unchecked")
            List<InetSocketAddress> addresses = (List<InetSocketAddress>) resolved.getNow();
            connector.connect(loop, addresses).addListener(connected -> {
                if (!connected.isSuccess()) {
                    next(loop, order, index, target, promise, failures, unreachable(parent, connected.cause()));
                    return;
                }
                Channel channel = (Channel) connected.getNow();
                Promise<Void> answered = loop.newPromise();
                channel.pipeline().addLast(ParentResponseDecoder.NAME, new ParentResponseDecoder());
                channel.pipeline().addLast(ParentHandshake.NAME, new ParentHandshake(parent, target, timeout, answered));
                answered.addListener(a -> {
                    if (a.isSuccess()) {
                        health.connected(parent, nanoClock.getAsLong() - started);
                        if (!promise.trySuccess(new Opened(channel, parent))) {
                            channel.close(); // the client went away meanwhile
                        }
                    } else {
                        channel.close();
                        next(loop, order, index, target, promise, failures, (ParentFailure) a.cause());
                    }
                });
            });
        });
    }

    /** Records {@code failure}; tries the next parent when it may, else fails the promise with it. */
    private void next(EventLoop loop, List<ParentProxy> order, int index, Authority target, Promise<Opened> promise,
            List<String> failures, ParentFailure failure) {
        health.failed(failure);
        failures.add(failure.getMessage());
        if (failure.failover() && index + 1 < order.size() && !promise.isDone()) {
            attempt(loop, order, index + 1, target, promise, failures);
            return;
        }
        if (failures.size() > 1 && failure.failover()) {
            // Every parent of the route failed: say so, each in its own words.
            promise.tryFailure(new ParentFailure(failure.parent(), failure.reason(),
                    "no parent proxy could be reached: " + String.join("; ", failures), failure.receivedStatus(), true));
        } else {
            promise.tryFailure(failure);
        }
    }

    private Future<List<InetSocketAddress>> addresses(EventLoop loop, ParentProxy parent) {
        InetAddress literal = literal(parent.host());
        if (literal != null) {
            return loop.newSucceededFuture(List.of(new InetSocketAddress(literal, parent.port())));
        }
        Promise<List<InetSocketAddress>> out = loop.newPromise();
        resolver.resolve(parent.host(), loop).addListener(f -> {
            if (!f.isSuccess()) {
                out.tryFailure(f.cause());
                return;
            }
            @SuppressWarnings("unchecked")
            List<InetAddress> found = (List<InetAddress>) f.getNow();
            out.trySuccess(found.stream().map(a -> new InetSocketAddress(a, parent.port())).toList());
        });
        return out;
    }

    private static InetAddress literal(String host) {
        if (IpAddresses.isIpv4Literal(host) || host.indexOf(':') >= 0) {
            return IpAddresses.parse(host);
        }
        return null;
    }

    private ParentFailure unreachable(ParentProxy parent, Throwable cause) {
        String who = "parent proxy " + parent.name() + " (" + parent.address() + ")";
        if (cause instanceof UpstreamConnector.ConnectFailure failure) {
            return switch (failure.reason()) {
                case CONNECT_TIMEOUT -> new ParentFailure(parent, Reason.PARENT_TIMEOUT,
                        who + " did not accept the connection within " + DurationText.of(timeout), 0, true);
                case CONNECT_REFUSED -> new ParentFailure(parent, Reason.PARENT_UNREACHABLE,
                        who + " refused the connection", 0, true);
                // The proxy's own shortage, not the parent's: the parent is not skipped, and no other is tried.
                case RESOURCE_EXHAUSTED -> new ParentFailure(parent, Reason.RESOURCE_EXHAUSTED,
                        failure.getMessage().replace(" to connect to ", " to connect to " + who + " at "), 0, false);
                default -> new ParentFailure(parent, Reason.PARENT_UNREACHABLE, who + " is unreachable", 0, true);
            };
        }
        return new ParentFailure(parent, Reason.PARENT_UNREACHABLE, who + " is unreachable (" + cause + ")", 0, true);
    }

    /**
     * Hands what the parent sent behind its {@code 2xx} to the relay: the response decoder leaves the pipeline and
     * passes its held bytes to the handler behind it. Call once the relay's handler is in place.
     */
    public static void releaseHeldBytes(Channel upstream) {
        if (upstream.pipeline().get(ParentResponseDecoder.NAME) != null) {
            upstream.pipeline().remove(ParentResponseDecoder.NAME);
        }
    }
}
