package io.acrproxy.core.transport.epoll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.util.Version;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The epoll regression that {@link KeptInEpollRegistration} works around, reproduced against plain Netty: a peer sends
 * its FIN, then the channel writes more than the socket buffers hold. Since netty/netty#16689 Netty removes the
 * descriptor from epoll once the EOF has cleared its last interest, and the write's request for {@code EPOLLOUT}
 * fails with {@code ENOENT}: Netty fails the write and shuts the output, and the peer gets a short stream.
 *
 * <p>For whoever upgrades Netty: when {@link #plainNettyStillCutsTheStreamShort} fails, Netty has fixed the bug and
 * {@code KeptInEpollRegistration} can go (keep {@link #theProxysEpollHandlerDeliversEveryByte}).
 */
class NettyEpollHalfCloseBugTest {
    /** Far more than the sockets' buffers: the client's 32 KiB receive buffer, the kernel's few MiB of send buffer. */
    private static final int TOTAL = 16 << 20;

    @BeforeAll
    static void epollOnly() {
        assumeTrue(Epoll.isAvailable(), "epoll is not available here");
    }

    @Test
    void plainNettyStillCutsTheStreamShort() throws Exception {
        Outcome plain = writeAfterPeersFin(EpollIoHandler.newFactory());

        assertThat(plain.received)
                .as("Netty %s no longer cuts a stream short after the peer's FIN (netty/netty#16689 regression fixed?): "
                        + "remove KeptInEpollRegistration and this test", nettyEpollVersion())
                .isLessThan(TOTAL);
        assertThat(plain.writeFailure).isNotNull();
    }

    @Test
    void theProxysEpollHandlerDeliversEveryByte() throws Exception {
        Outcome fixed = writeAfterPeersFin(ProxyEpollIoHandler.newFactory());

        assertThat(fixed.writeFailure).isNull();
        assertThat(fixed.received).isEqualTo(TOTAL);
    }

    private record Outcome(long received, Throwable writeFailure) {
    }

    /**
     * A server that, once the client's FIN has been read, writes {@link #TOTAL} bytes in one go and closes. The write
     * starts in a task of its own, after Netty has finished with the EOF (and so, without the fix, after it removed
     * the descriptor from epoll); the client reads only once the write has been attempted.
     */
    private static Outcome writeAfterPeersFin(IoHandlerFactory handlers) throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, handlers);
        CompletableFuture<Void> writeAttempted = new CompletableFuture<>();
        CompletableFuture<Throwable> writeOutcome = new CompletableFuture<>();
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                    if (evt instanceof ChannelInputShutdownReadComplete) {
                                        ctx.executor().execute(() -> {
                                            ChannelFuture write = ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[TOTAL]));
                                            writeAttempted.complete(null);
                                            write.addListener(f -> writeOutcome.complete(f.cause()));
                                            write.addListener(ChannelFutureListener.CLOSE);
                                        });
                                    }
                                }
                            });
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getByName("127.0.0.31"), 0)).sync().channel();
            long received = 0;
            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(32 * 1024);
                client.setSoTimeout(20_000);
                client.connect(server.localAddress());
                client.shutdownOutput();
                writeAttempted.get(10, TimeUnit.SECONDS);
                InputStream in = client.getInputStream();
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    received += n;
                }
            }
            server.close().sync();
            return new Outcome(received, writeOutcome.get(10, TimeUnit.SECONDS));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static String nettyEpollVersion() {
        Version v = Version.identify().get("netty-transport-classes-epoll");
        return v == null ? "(unknown version)" : v.artifactVersion();
    }
}
