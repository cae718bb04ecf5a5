package io.acrproxy.core.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

/** Origin servers for the loopback tests. Stream byte {@code i} is always {@code (byte) i}. */
final class Origins {
    private Origins() {
    }

    /** Echoes what it reads, with backpressure; after the client's EOF, flushes, half-closes, then closes. */
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER)
                        .addListener(f -> ((DuplexChannel) ctx.channel()).shutdownOutput()
                                .addListener(ChannelFutureListener.CLOSE));
            }
            ReferenceCountUtil.release(evt);
        }
    }

    /**
     * Waits for the client's EOF (a request that ends with a half-close), then pushes {@code total} bytes as
     * fast as the connection takes them, and closes once they are written.
     */
    static final class PushAfterEof extends ChannelInboundHandlerAdapter {
        private final long total;
        private ByteBuf chunk;
        private long sent;

        PushAfterEof(long total) {
            this.total = total;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent && chunk == null) {
                chunk = ctx.alloc().directBuffer(Push.CHUNK);
                for (int i = 0; i < Push.CHUNK; i++) {
                    chunk.writeByte(i);
                }
                push(ctx);
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && chunk != null) {
                push(ctx);
            }
        }

        private void push(ChannelHandlerContext ctx) {
            while (sent < total && ctx.channel().isWritable()) {
                int n = (int) Math.min(Push.CHUNK, total - sent);
                ctx.write(chunk.retainedSlice(0, n));
                sent += n;
            }
            if (sent == total) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.flush();
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (chunk != null) {
                chunk.release();
                chunk = null;
            }
        }
    }

    /** Pushes {@code total} bytes as fast as the connection takes them, then waits for the client's EOF. */
    static final class Push extends ChannelInboundHandlerAdapter {
        static final int CHUNK = 64 * 1024; // a multiple of 256, so every chunk starts the pattern afresh

        private final long total;
        private ByteBuf chunk;
        private long sent;

        Push(long total) {
            this.total = total;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            chunk = ctx.alloc().directBuffer(CHUNK);
            for (int i = 0; i < CHUNK; i++) {
                chunk.writeByte(i);
            }
            push(ctx);
        }

        private void push(ChannelHandlerContext ctx) {
            while (sent < total && ctx.channel().isWritable()) {
                int n = (int) Math.min(CHUNK, total - sent);
                ctx.write(chunk.retainedSlice(0, n));
                sent += n;
            }
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && chunk != null) {
                push(ctx);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.close();
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (chunk != null) {
                chunk.release();
                chunk = null;
            }
        }
    }

    /** Sends {@code bytes} bytes of the pattern, then resets the connection ({@code SO_LINGER 0}). */
    static final class ResetAfter extends ChannelInboundHandlerAdapter {
        private final int bytes;

        ResetAfter(int bytes) {
            this.bytes = bytes;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ByteBuf data = ctx.alloc().buffer(bytes);
            for (int i = 0; i < bytes; i++) {
                data.writeByte(i);
            }
            ctx.writeAndFlush(data).addListener(f -> {
                ctx.channel().config().setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
                ctx.close();
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Reads and drops everything, and says how the client's side ended: "reset", "eof", or the error. */
    static final class EndWatcher extends ChannelInboundHandlerAdapter {
        final java.util.concurrent.CompletableFuture<String> end = new java.util.concurrent.CompletableFuture<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                end.complete("eof");
                ctx.close();
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            end.complete(String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("reset")
                    ? "reset" : "error: " + cause);
            ctx.close();
        }
    }

    /** Reads and drops everything; {@link #channel} is its end of the connection, for the test to close. */
    static final class Holder extends ChannelInboundHandlerAdapter {
        final java.util.concurrent.CompletableFuture<io.netty.channel.Channel> channel =
                new java.util.concurrent.CompletableFuture<>();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel.complete(ctx.channel());
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
