package io.acrproxy.core.transport;

import io.acrproxy.core.transport.epoll.ProxyEpollIoHandler;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The socket transport: Netty 4.2's {@code MultiThreadIoEventLoopGroup} with one {@code IoHandler} factory
 * and the matching channel classes. Epoll's handler is Netty's behind {@link ProxyEpollIoHandler} (the half-close
 * workaround and the splice relay's seam), on every epoll event loop the proxy makes. {@code auto} is epoll where it loads, else NIO; io_uring only on request,
 * because container seccomp profiles often forbid its syscalls (Docker's default profile blocks
 * io_uring_setup since 25.0).
 */
public enum Transport {
    EPOLL(Epoll::isAvailable, Epoll::unavailabilityCause, ProxyEpollIoHandler::newFactory,
            EpollServerSocketChannel.class, EpollSocketChannel.class, EpollDatagramChannel.class),
    IO_URING(IoUring::isAvailable, IoUring::unavailabilityCause, IoUringIoHandler::newFactory,
            IoUringServerSocketChannel.class, IoUringSocketChannel.class, IoUringDatagramChannel.class),
    NIO(() -> true, () -> null, NioIoHandler::newFactory,
            NioServerSocketChannel.class, NioSocketChannel.class, NioDatagramChannel.class);

    private final BooleanSupplier available;
    private final Supplier<Throwable> unavailabilityCause;
    private final Supplier<IoHandlerFactory> ioHandlerFactory;
    private final Class<? extends ServerSocketChannel> serverChannel;
    private final Class<? extends SocketChannel> socketChannel;
    private final Class<? extends DatagramChannel> datagramChannel;

    Transport(BooleanSupplier available, Supplier<Throwable> unavailabilityCause, Supplier<IoHandlerFactory> ioHandlerFactory,
              Class<? extends ServerSocketChannel> serverChannel, Class<? extends SocketChannel> socketChannel,
              Class<? extends DatagramChannel> datagramChannel) {
        this.available = available;
        this.unavailabilityCause = unavailabilityCause;
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
        this.datagramChannel = datagramChannel;
    }

    /** Whether the native library loads here (always true for NIO). */
    public boolean isAvailable() {
        return available.getAsBoolean();
    }

    /** Why {@link #isAvailable()} is false, or {@code null}. */
    public Throwable unavailabilityCause() {
        return unavailabilityCause.get();
    }

    public Class<? extends ServerSocketChannel> serverChannel() {
        return serverChannel;
    }

    /**
     * Listening channels for {@code bind}, in its address family: an IPv4 address (0.0.0.0 included) gets an IPv4
     * socket, so {@code listen.address: 0.0.0.0} means IPv4 only, as people read it; an IPv6 address gets an IPv6
     * socket, which for {@code ::} also takes IPv4 clients (Linux's default, {@code IPV6_V6ONLY} off). Netty would
     * otherwise open IPv6 sockets for both and turn 0.0.0.0 into {@code ::}. Netty's io_uring channel has no family
     * to choose: there 0.0.0.0 listens on both families.
     */
    public ChannelFactory<ServerSocketChannel> serverChannelFactory(InetAddress bind) {
        SocketProtocolFamily family = bind instanceof Inet4Address ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
        return switch (this) {
            case EPOLL -> () -> new EpollServerSocketChannel(family);
            case IO_URING -> IoUringServerSocketChannel::new;
            case NIO -> () -> new NioServerSocketChannel(SelectorProvider.provider(), family);
        };
    }

    public Class<? extends SocketChannel> socketChannel() {
        return socketChannel;
    }

    public Class<? extends DatagramChannel> datagramChannel() {
        return datagramChannel;
    }

    /** An event-loop group of this transport; {@code threads} 0 means Netty's default (2 × cores). */
    public MultiThreadIoEventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory.get());
    }

    /**
     * The native {@code SO_REUSEPORT} option, or {@code null} for NIO (whose listening channel Netty does not let
     * one set it on). With it, several listening sockets share one port and the kernel spreads new connections
     * over them, so each event loop can accept its own connections.
     */
    public ChannelOption<Boolean> reusePortOption() {
        return switch (this) {
            case EPOLL -> EpollChannelOption.SO_REUSEPORT;
            case IO_URING -> IoUringChannelOption.SO_REUSEPORT;
            case NIO -> null;
        };
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
