package io.acrproxy.core.transport;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The socket transport: Netty 4.2's {@code MultiThreadIoEventLoopGroup} with one {@code IoHandler} factory
 * and the matching channel classes. {@code auto} is epoll where it loads, else NIO; io_uring only on request,
 * because container seccomp profiles often forbid its syscalls (Docker's default profile blocks
 * io_uring_setup since 25.0).
 */
public enum Transport {
    EPOLL {
        @Override
        public boolean isAvailable() {
            return Epoll.isAvailable();
        }

        @Override
        public Throwable unavailabilityCause() {
            return Epoll.unavailabilityCause();
        }

        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverChannel() {
            return EpollServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return EpollSocketChannel.class;
        }

        @Override
        public Class<? extends DatagramChannel> datagramChannel() {
            return EpollDatagramChannel.class;
        }
    },
    IO_URING {
        @Override
        public boolean isAvailable() {
            return IoUring.isAvailable();
        }

        @Override
        public Throwable unavailabilityCause() {
            return IoUring.unavailabilityCause();
        }

        @Override
        IoHandlerFactory ioHandlerFactory() {
            return IoUringIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverChannel() {
            return IoUringServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return IoUringSocketChannel.class;
        }

        @Override
        public Class<? extends DatagramChannel> datagramChannel() {
            return IoUringDatagramChannel.class;
        }
    },
    NIO {
        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public Throwable unavailabilityCause() {
            return null;
        }

        @Override
        IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverChannel() {
            return NioServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return NioSocketChannel.class;
        }

        @Override
        public Class<? extends DatagramChannel> datagramChannel() {
            return NioDatagramChannel.class;
        }
    };

    public abstract boolean isAvailable();

    /** Why {@link #isAvailable()} is false, or {@code null}. */
    public abstract Throwable unavailabilityCause();

    abstract IoHandlerFactory ioHandlerFactory();

    public abstract Class<? extends ServerSocketChannel> serverChannel();

    public abstract Class<? extends SocketChannel> socketChannel();

    public abstract Class<? extends DatagramChannel> datagramChannel();

    /** An event-loop group of this transport; {@code threads} 0 means Netty's default (2 × cores). */
    public MultiThreadIoEventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory());
    }

    /** The config spelling: {@code epoll}, {@code io_uring}, {@code nio}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code transport: auto}: epoll when available, else NIO. */
    public static Transport auto() {
        return EPOLL.isAvailable() ? EPOLL : NIO;
    }

    /**
     * Resolves a configured choice.
     *
     * @param choice {@code auto}, {@code epoll}, {@code io_uring} or {@code nio}
     * @throws IllegalStateException when an explicit choice is not available here, naming the cause
     */
    public static Transport select(String choice) {
        if (choice.equals("auto")) {
            return auto();
        }
        Transport t = valueOf(choice.toUpperCase(Locale.ROOT));
        if (!t.isAvailable()) {
            Throwable cause = t.unavailabilityCause();
            throw new IllegalStateException("transport " + choice + " is not available on this machine: "
                    + (cause == null ? "unknown cause" : cause.toString()), cause);
        }
        return t;
    }

    /** Every transport that works on this machine, for tests that run on each. */
    public static List<Transport> available() {
        List<Transport> out = new ArrayList<>();
        for (Transport t : values()) {
            if (t.isAvailable()) {
                out.add(t);
            }
        }
        return out;
    }
}
