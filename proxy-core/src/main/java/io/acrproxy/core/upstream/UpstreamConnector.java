package io.acrproxy.core.upstream;

import io.acrproxy.core.transport.Transport;
import io.acrproxy.core.transport.TunnelSockets;
import io.acrproxy.policy.Reason;
import io.acrproxy.policy.net.IpAddresses;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connects to the first of the checked addresses that accepts, in order (design §2 stage 6), on the client
 * connection's own event loop so that the relay never crosses threads.
 *
 * <p>The upstream channel starts with auto-read off: nothing is read from the origin until the relay is
 * in place, and half-closure is allowed so that an EOF can be passed on as a write shutdown (design §8).
 * TCP_NODELAY is Netty's default for TCP channels on every transport (it sets it when the channel is made),
 * so it is not set again here: that was a second setsockopt per connection.
 */
public final class UpstreamConnector implements Connector {
    /** Bootstrap wants a handler; the relay adds its own later. Shared by every upstream channel. */
    private static final ChannelHandler NO_HANDLER = new NoHandler();

    private final Transport transport;
    private final Duration connectTimeout;
    /**
     * One Bootstrap per event loop, built on first use and reused for every connection from that loop:
     * building one (its option map, a handler) per connection was 3-8% of a tunnel set-up's allocation.
     */
    private final Map<EventLoop, Bootstrap> bootstraps = new ConcurrentHashMap<>();

    public UpstreamConnector(Transport transport, Duration connectTimeout) {
        this.transport = transport;
        this.connectTimeout = connectTimeout;
    }

    @Override
    public Future<Channel> connect(EventLoop loop, List<InetSocketAddress> addresses) {
        Promise<Channel> promise = loop.newPromise();
        attempt(bootstraps.computeIfAbsent(loop, this::bootstrap), addresses, 0, promise, null);
        return promise;
    }

    private Bootstrap bootstrap(EventLoop loop) {
        return new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                // The addresses are resolved and checked already; without this every connect would look up
                // the loop's resolver in a map that all loops share under one lock.
                .disableResolver()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, TunnelSockets.WATER_MARK)
                .option(ChannelOption.RCVBUF_ALLOCATOR, TunnelSockets.RECV_ALLOCATOR)
                .handler(NO_HANDLER);
    }

    private static void attempt(Bootstrap bootstrap, List<InetSocketAddress> addresses, int index, Promise<Channel> promise,
                                ConnectFailure last) {
        if (index == addresses.size()) {
            promise.tryFailure(last != null ? last : new ConnectFailure(Reason.CONNECT_FAILED, "no address to connect to", null));
            return;
        }
        InetSocketAddress address = addresses.get(index);
        ChannelFuture connect = bootstrap.connect(address);
        connect.addListener(f -> {
            if (f.isSuccess()) {
                if (!promise.trySuccess(connect.channel())) {
                    connect.channel().close(); // the client went away meanwhile
                }
            } else if (!promise.isDone()) {
                ConnectFailure failure = ConnectFailure.of(address, f.cause());
                if (failure.reason() == Reason.RESOURCE_EXHAUSTED) {
                    promise.tryFailure(failure); // the next address would need a descriptor too
                } else {
                    attempt(bootstrap, addresses, index + 1, promise, failure);
                }
            }
        });
    }

    @ChannelHandler.Sharable
    private static final class NoHandler extends ChannelInboundHandlerAdapter {
    }

    /** Why no connection could be made, as a design §5 reason. */
    public static final class ConnectFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final Reason reason;

        ConnectFailure(Reason reason, String message, Throwable cause) {
            super(message, cause, false, false);
            this.reason = reason;
        }

        static ConnectFailure of(InetSocketAddress address, Throwable cause) {
            String target = IpAddresses.toText(address);
            String outOfDescriptors = outOfDescriptors(cause);
            if (outOfDescriptors != null) {
                return new ConnectFailure(Reason.RESOURCE_EXHAUSTED, "the proxy is out of file descriptors ("
                        + outOfDescriptors + ") to connect to " + target + "; retry shortly", cause);
            }
            if (cause instanceof ConnectTimeoutException) {
                return new ConnectFailure(Reason.CONNECT_TIMEOUT, "connecting to " + target + " timed out", cause);
            }
            if (cause instanceof ConnectException && String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("refused")) {
                return new ConnectFailure(Reason.CONNECT_REFUSED, target + " refused the connection", cause);
            }
            return new ConnectFailure(Reason.CONNECT_FAILED, target + " is unreachable (" + cause.getClass().getSimpleName() + ")", cause);
        }

        public Reason reason() {
            return reason;
        }

        /**
         * The kernel's words when the socket could not be made for want of a descriptor: {@code EMFILE} (this
         * process's {@code ulimit -n}) or {@code ENFILE} (the whole system's), which Netty reports as the message of a
         * native exception wrapped in a {@code ChannelException}; {@code null} for any other failure.
         */
        static String outOfDescriptors(Throwable cause) {
            for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
                String message = t.getMessage();
                if (message != null && message.contains("Too many open files")) {
                    return message.contains("in system") ? "Too many open files in system" : "Too many open files";
                }
            }
            return null;
        }
    }
}
