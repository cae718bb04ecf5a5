package io.acrproxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The proxy's listening sockets. Either one socket on a dedicated acceptor loop that hands each connection
 * to a worker loop, or, where the transport has {@code SO_REUSEPORT} (epoll, io_uring), one socket per worker
 * loop on the same port: the kernel spreads connections over them and each loop accepts its own, so a new
 * connection costs no hand-off between threads (a task queued on another loop and a wake-up). All start with
 * autoRead off: nothing is accepted before {@link #startAccepting()}.
 */
final class Listeners {
    private final List<Channel> channels;

    private Listeners(List<Channel> channels) {
        this.channels = channels;
    }

    /**
     * @param bootstrap      configured except for the groups and the handler on the listening channel
     * @param acceptor       the acceptor group (single mode)
     * @param workers        the worker loops
     * @param perLoop        true for one {@code SO_REUSEPORT} socket per worker loop
     * @param listenHandler  a new handler for each listening channel (accept-error handling)
     */
    static Listeners bind(Supplier<ServerBootstrap> bootstrap, EventLoopGroup acceptor, EventLoopGroup workers, boolean perLoop,
                          Supplier<ChannelHandler> listenHandler, InetSocketAddress address)
            throws InterruptedException, BindException {
        List<Channel> channels = new ArrayList<>();
        Consumer<Channel> undo = c -> c.close().awaitUninterruptibly();
        try {
            if (!perLoop) {
                channels.add(bootstrap.get().group(acceptor, workers).handler(listenHandler.get()).bind(address).sync().channel());
                return new Listeners(channels);
            }
            refuseIfTaken(address);
            InetSocketAddress at = address;
            for (EventExecutor e : workers) {
                EventLoop loop = (EventLoop) e;
                ChannelFuture bound = bootstrap.get().group(loop, loop).handler(listenHandler.get()).bind(at).sync();
                channels.add(bound.channel());
                at = (InetSocketAddress) bound.channel().localAddress(); // port 0: the others take the port the first got
            }
            return new Listeners(channels);
        } catch (RuntimeException | InterruptedException | BindException e) {
            channels.forEach(undo);
            throw e;
        }
    }

    /**
     * With SO_REUSEPORT a second proxy started on the same port by the same user would bind too and silently get
     * a share of the connections (with whatever policy it has). A plain socket cannot bind a port that any socket
     * listens on, so binding one first makes a taken port fail the start, as it does without SO_REUSEPORT.
     */
    private static void refuseIfTaken(InetSocketAddress address) throws BindException {
        if (address.getPort() == 0) {
            return; // an ephemeral port nobody else can have asked for
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as Netty's sockets do: TIME_WAIT leftovers are not "taken"
            probe.bind(address);
        } catch (BindException e) {
            throw e;
        } catch (IOException e) {
            BindException taken = new BindException(e.getMessage());
            taken.initCause(e);
            throw taken;
        }
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channels.get(0).localAddress();
    }

    int count() {
        return channels.size();
    }

    void startAccepting() {
        channels.forEach(c -> c.config().setAutoRead(true));
    }

    boolean isActive() {
        return channels.stream().allMatch(Channel::isActive);
    }

    void close() throws InterruptedException {
        for (Channel c : channels) {
            c.close().sync();
        }
    }
}
