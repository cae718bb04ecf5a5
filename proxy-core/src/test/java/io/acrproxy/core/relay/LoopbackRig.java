package io.acrproxy.core.relay;

import io.acrproxy.core.transport.TunnelSockets;
import io.acrproxy.core.transport.epoll.SplicePipes;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A relay between real sockets on loopback: an origin on 127.0.0.21, a proxy on 127.0.0.22 that connects
 * each accepted client to the origin on the accepted channel's own event loop and starts a {@link Relay},
 * and clients (plain blocking sockets) from 127.0.0.23. One tunnel per rig.
 */
final class LoopbackRig implements AutoCloseable {
    static final int CLIENT_READ_TIMEOUT_MILLIS = 20_000;

    private final TestTransport transport;
    private final Duration idleTimeout;
    private final SplicePipes splicePipes;
    private final EventLoopGroup proxyLoop;
    private final EventLoopGroup originLoop;
    private final Channel originServer;
    private final Channel proxyServer;
    private final CompletableFuture<Relay> relay = new CompletableFuture<>();
    private final CompletableFuture<RelayResult> result = new CompletableFuture<>();
    private volatile PendingBytesProbe towardClient;

    LoopbackRig(TestTransport transport, Supplier<ChannelHandler> origin, Duration idleTimeout)
            throws InterruptedException {
        this(transport, transport, origin, idleTimeout);
    }

    /** The origin on its own transport: NIO when a test must not depend on the native transports' quirks. */
    LoopbackRig(TestTransport transport, TestTransport originTransport, Supplier<ChannelHandler> origin,
            Duration idleTimeout) throws InterruptedException {
        this(transport, originTransport, origin, idleTimeout, new SplicePipes(SplicePipes.DEFAULT_MAX));
    }

    /** With a pipe budget of the test's own, e.g. none. */
    LoopbackRig(TestTransport transport, TestTransport originTransport, Supplier<ChannelHandler> origin,
            Duration idleTimeout, SplicePipes splicePipes) throws InterruptedException {
        this.transport = transport;
        this.idleTimeout = idleTimeout;
        this.splicePipes = splicePipes;
        this.proxyLoop = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        this.originLoop = new MultiThreadIoEventLoopGroup(1, originTransport.ioHandlerFactory());
        this.originServer = new ServerBootstrap()
                .group(originLoop)
                .channel(originTransport.serverChannel())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(origin.get());
                    }
                })
                .bind(new InetSocketAddress(address(21), 0)).sync().channel();
        this.proxyServer = new ServerBootstrap()
                .group(proxyLoop)
                .channel(transport.serverChannel())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, TunnelSockets.RECV_ALLOCATOR) // as in production
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        towardClient = new PendingBytesProbe();
                        ch.pipeline().addLast(towardClient, new ConnectUpstream());
                    }
                })
                .bind(new InetSocketAddress(address(22), 0)).sync().channel();
    }

    static InetAddress address(int lastOctet) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) lastOctet});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A blocking client socket connected to the proxy, from 127.0.0.23. */
    Socket connectClient(int receiveBufferBytes) throws IOException {
        Socket socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.setSoTimeout(CLIENT_READ_TIMEOUT_MILLIS);
        socket.bind(new InetSocketAddress(address(23), 0));
        socket.connect(proxyServer.localAddress());
        return socket;
    }

    Relay relay() {
        return relay.join();
    }

    CompletableFuture<RelayResult> result() {
        return result;
    }

    /** The most bytes ever queued in the proxy's channel toward the client. */
    long maxPendingTowardClient() {
        return towardClient.max;
    }

    @Override
    public void close() {
        proxyServer.close().syncUninterruptibly();
        originServer.close().syncUninterruptibly();
        proxyLoop.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        originLoop.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** What the data plane does after the policy allowed a CONNECT, without the HTTP and TLS parts. */
    private final class ConnectUpstream extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel client = ctx.channel();
            new Bootstrap()
                    .group(client.eventLoop())
                    .channel(transport.socketChannel())
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, TunnelSockets.RECV_ALLOCATOR)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(originServer.localAddress())
                    .addListener((ChannelFuture connected) -> {
                        if (!connected.isSuccess()) {
                            result.completeExceptionally(connected.cause());
                            client.close();
                            return;
                        }
                        ctx.pipeline().remove(this);
                        relay.complete(Relay.start(client, connected.channel(), null,
                                new RelaySettings(idleTimeout, transport.spliceAfter(), splicePipes), result::complete));
                    });
            ctx.fireChannelActive();
        }
    }

    /**
     * Records the largest number of bytes the channel's outbound buffer ever held: it grows only on a
     * write, so looking after each write sees every peak. Includes Netty's 96-byte overhead per entry.
     */
    private static final class PendingBytesProbe extends ChannelDuplexHandler {
        private volatile long max;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ctx.write(msg, promise);
            ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
            if (buffer != null && buffer.totalPendingWriteBytes() > max) {
                max = buffer.totalPendingWriteBytes();
            }
        }
    }
}
