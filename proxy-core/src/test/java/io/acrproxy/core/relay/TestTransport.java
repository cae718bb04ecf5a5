package io.acrproxy.core.relay;

import io.acrproxy.core.transport.epoll.ProxyEpollIoHandler;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The transports the loopback tests run on: NIO always, epoll (copying and splicing) where its native library loads,
 * with the event-loop handler the proxy uses.
 */
enum TestTransport {
    NIO(() -> true, NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class, RelaySettings.NO_SPLICE),
    EPOLL(Epoll::isAvailable, ProxyEpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class,
            RelaySettings.NO_SPLICE),
    /** Epoll with the splice(2) relay from the 100,000th byte of each direction: a switch in mid-stream. */
    EPOLL_SPLICE(Epoll::isAvailable, ProxyEpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class,
            100_000);

    private final BooleanSupplier available;
    private final Supplier<IoHandlerFactory> ioHandlerFactory;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends SocketChannel> socketChannel;
    private final long spliceAfter;

    TestTransport(BooleanSupplier available, Supplier<IoHandlerFactory> ioHandlerFactory,
            Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> socketChannel, long spliceAfter) {
        this.available = available;
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
        this.spliceAfter = spliceAfter;
    }

    boolean isAvailable() {
        return available.getAsBoolean();
    }

    IoHandlerFactory ioHandlerFactory() {
        return ioHandlerFactory.get();
    }

    Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    Class<? extends SocketChannel> socketChannel() {
        return socketChannel;
    }

    /** The relay's {@code spliceAfter}. */
    long spliceAfter() {
        return spliceAfter;
    }

    static List<TestTransport> available() {
        return Arrays.stream(values()).filter(TestTransport::isAvailable).toList();
    }
}
