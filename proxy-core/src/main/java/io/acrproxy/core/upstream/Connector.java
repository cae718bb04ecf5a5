package io.acrproxy.core.upstream;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.List;

/** Connects a tunnel's upstream: the seam between the upstream stage and the network ({@link UpstreamConnector}). */
@FunctionalInterface
public interface Connector {
    /**
     * Connects to the first of {@code addresses} that accepts, in order, on {@code loop} (the client connection's
     * own, so that the relay never crosses threads).
     *
     * @return the connected channel, or a failure with a {@link UpstreamConnector.ConnectFailure} naming the reason
     */
    Future<Channel> connect(EventLoop loop, List<InetSocketAddress> addresses);
}
