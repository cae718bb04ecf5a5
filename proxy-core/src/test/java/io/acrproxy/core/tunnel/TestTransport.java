package io.acrproxy.core.tunnel;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Arrays;
import java.util.List;

/** The transports the loopback tests run on: NIO always, epoll (copying and splicing) where its native library loads. */
enum TestTransport {
    NIO {
        @Override
        boolean isAvailable() {
            return true;
        }

        @Override
        IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> serverChannel() {
            return NioServerSocketChannel.class;
        }

        @Override
        Class<? extends SocketChannel> socketChannel() {
            return NioSocketChannel.class;
        }
    },
    EPOLL {
        @Override
        boolean isAvailable() {
            return Epoll.isAvailable();
        }

        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> serverChannel() {
            return EpollServerSocketChannel.class;
        }

        @Override
        Class<? extends SocketChannel> socketChannel() {
            return EpollSocketChannel.class;
        }
    },
    /** Epoll with the splice(2) relay from the 100,000th byte of each direction: a switch in mid-stream. */
    EPOLL_SPLICE {
        @Override
        boolean isAvailable() {
            return Epoll.isAvailable();
        }

        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> serverChannel() {
            return EpollServerSocketChannel.class;
        }

        @Override
        Class<? extends SocketChannel> socketChannel() {
            return EpollSocketChannel.class;
        }

        @Override
        long spliceAfter() {
            return 100_000;
        }
    };

    abstract boolean isAvailable();

    /** The relay's {@code spliceAfter}. */
    long spliceAfter() {
        return Relay.NO_SPLICE;
    }

    abstract IoHandlerFactory ioHandlerFactory();

    abstract Class<? extends ServerChannel> serverChannel();

    abstract Class<? extends SocketChannel> socketChannel();

    static List<TestTransport> available() {
        return Arrays.stream(values()).filter(TestTransport::isAvailable).toList();
    }
}
