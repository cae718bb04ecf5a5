package io.acrproxy.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.channel.socket.DuplexChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * An {@link EmbeddedChannel} that stands in for a TCP channel: it can be half-closed, its socket can
 * stall (flushed bytes stay queued, as when the remote reads slowly) and its writes can fail.
 */
public class DuplexEmbeddedChannel extends EmbeddedChannel implements DuplexChannel {
    private boolean inputShutdown;
    private boolean outputShutdown;
    private int outputShutdowns;
    private int queuedAtOutputShutdown = -1;
    private boolean stalled;
    private IOException writeFailure;
    private int closeCalls;
    private HalfClosureConfig config; // made on first use: EmbeddedChannel's constructor asks for it already

    private final InetSocketAddress remote;

    public DuplexEmbeddedChannel() {
        this(null, true);
    }

    /**
     * @param remote   the remote address it reports ({@code null}: EmbeddedChannel's own)
     * @param register false leaves registering (and so channelActive) to the caller, after it added its handlers
     */
    protected DuplexEmbeddedChannel(InetSocketAddress remote, boolean register) {
        super(register, false);
        this.remote = remote;
        // Counts close() calls through the pipeline: Netty makes an exception for each one, closed already or not.
        pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
                closeCalls++;
                super.close(ctx, promise);
            }
        });
    }

    /** Low water marks make the channel unwritable after one small write (each queued entry adds 96 bytes). */
    public DuplexEmbeddedChannel withWaterMark(int low, int high) {
        config().setWriteBufferWaterMark(new WriteBufferWaterMark(low, high));
        return this;
    }

    /**
     * The remote sent FIN: what NIO and epoll do once the read loop saw EOF. With ALLOW_HALF_CLOSURE on (the
     * relay's default) that is the input-shutdown event; with it off, a close.
     */
    public void receiveFin() {
        if (!config().getOption(ChannelOption.ALLOW_HALF_CLOSURE)) {
            inputShutdown = true;
            close();
            runPendingTasks();
            return;
        }
        inputShutdown = true;
        pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        runPendingTasks();
    }

    /** Flushed bytes stay queued until {@link #drain()}. */
    public void stall() {
        stalled = true;
    }

    public void drain() {
        stalled = false;
        flushOutbound();
    }

    /** The next flush fails with this error, as a socket write does (Netty closes the channel). */
    public void failWritesWith(IOException error) {
        writeFailure = error;
    }

    public int outputShutdowns() {
        return outputShutdowns;
    }

    public int closeCalls() {
        return closeCalls;
    }

    /** Flushed messages still queued when shutdownOutput() was called; -1 before. */
    public int queuedAtOutputShutdown() {
        return queuedAtOutputShutdown;
    }

    public long pendingBytes() {
        ChannelOutboundBuffer buffer = unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    /** Reads and releases the next flushed message, as text. */
    public String readOutboundText() {
        ByteBuf buf = readOutbound();
        if (buf == null) {
            return null;
        }
        try {
            return buf.toString(StandardCharsets.US_ASCII);
        } finally {
            buf.release();
        }
    }

    /** Reads and releases every flushed message, as one text. */
    public String readAllOutboundText() {
        StringBuilder text = new StringBuilder();
        for (String part = readOutboundText(); part != null; part = readOutboundText()) {
            text.append(part);
        }
        return text.toString();
    }

    public static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        if (writeFailure != null) {
            throw writeFailure;
        }
        if (!stalled) {
            super.doWrite(in);
        }
    }

    @Override
    protected Object filterOutboundMessage(Object msg) throws Exception {
        if (outputShutdown) {
            // What a real channel does after shutdownOutput(): the relay must never get here.
            throw new ChannelOutputShutdownException("write after shutdownOutput");
        }
        return msg;
    }

    /** EmbeddedChannel's config ignores ALLOW_HALF_CLOSURE; the relay sets it and tests look at it. */
    @Override
    public ChannelConfig config() {
        if (config == null) {
            config = new HalfClosureConfig(this);
        }
        return config;
    }

    private static final class HalfClosureConfig extends DefaultChannelConfig {
        private boolean allowHalfClosure;

        HalfClosureConfig(Channel channel) {
            super(channel);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getOption(ChannelOption<T> option) {
            return option == ChannelOption.ALLOW_HALF_CLOSURE ? (T) Boolean.valueOf(allowHalfClosure) : super.getOption(option);
        }

        @Override
        public <T> boolean setOption(ChannelOption<T> option, T value) {
            if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
                allowHalfClosure = (Boolean) value;
                return true;
            }
            return super.setOption(option, value);
        }
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote != null ? remote : super.remoteAddress0(); // known from the accept on, as for a real channel
    }

    @Override
    public boolean isInputShutdown() {
        return inputShutdown;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        inputShutdown = true;
        return promise.setSuccess();
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        // A real shutdownOutput() fails what is still queued; record it so tests can see there was nothing.
        ChannelOutboundBuffer buffer = unsafe().outboundBuffer();
        queuedAtOutputShutdown = buffer == null ? 0 : buffer.size();
        outputShutdown = true;
        outputShutdowns++;
        return promise.setSuccess();
    }

    @Override
    public boolean isShutdown() {
        return inputShutdown && outputShutdown;
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        inputShutdown = true;
        return shutdownOutput(promise);
    }
}
