package io.acrproxy.server.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A client of the TLS port that tells what ended its input: Netty reports a received close_notify
 * ({@link SslCloseCompletionEvent}) apart from the TCP FIN ({@link ChannelInputShutdownEvent}) and the close, which a
 * JDK {@code SSLSocket} does not.
 */
final class NettyTlsClient {
    /** Every byte read (after TLS), and the events in the order they came: close_notify, input end, closed. */
    record Outcome(byte[] bytes, List<String> events) {
    }

    private NettyTlsClient() {
    }

    /** Connects, sends {@code first} once the handshake is done and {@code second} once a response head arrived. */
    static Outcome connectAndRead(Path caPem, int port, byte[] first, byte[] second) throws Exception {
        SslContext context = SslContextBuilder.forClient().trustManager(caPem.toFile()).build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<String> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        try {
            new Bootstrap().group(group).channel(NioSocketChannel.class).option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(context.newHandler(ch.alloc(), "127.0.0.1", port));
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                private boolean sentSecond;

                                @Override
                                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                    if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
                                        ctx.writeAndFlush(Unpooled.wrappedBuffer(first));
                                    } else if (evt instanceof SslCloseCompletionEvent) {
                                        events.add("close_notify");
                                    } else if (evt instanceof ChannelInputShutdownEvent) {
                                        events.add("input end");
                                        ctx.close();
                                    }
                                }

                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ByteBuf buf = (ByteBuf) msg;
                                    byte[] chunk = new byte[buf.readableBytes()];
                                    buf.readBytes(chunk);
                                    buf.release();
                                    bytes.writeBytes(chunk);
                                    if (!sentSecond) {
                                        sentSecond = true;
                                        ctx.writeAndFlush(Unpooled.wrappedBuffer(second));
                                    }
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    events.add("error " + cause);
                                    ctx.close();
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                    events.add("closed");
                                    closed.complete(null);
                                }
                            });
                        }
                    }).connect("127.0.0.1", port).sync();
            closed.get(30, TimeUnit.SECONDS);
            return new Outcome(bytes.toByteArray(), List.copyOf(events));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
