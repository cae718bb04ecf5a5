package io.acrproxy.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DuplexChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * An {@link EmbeddedChannel} that looks like a TCP connection to or from an address, which is what the stage handlers
 * and the relay expect of a channel: an {@link InetSocketAddress} remote, and half-closes ({@link DuplexChannel}) that
 * only set flags. Time is frozen: tests move it with {@link #advanceTimeBy} and {@link #runScheduledPendingTasks}.
 */
public final class ClientChannel extends EmbeddedChannel implements DuplexChannel {
    private final InetSocketAddress remote;
    private boolean inputShutdown;
    private boolean outputShutdown;

    private ClientChannel(InetSocketAddress remote) {
        super(false, false);
        this.remote = remote;
    }

    /** A channel from {@code ip:50000}, not registered yet: add handlers, then {@link #start}. */
    public static ClientChannel from(String ip) {
        try {
            return new ClientChannel(new InetSocketAddress(InetAddress.getByName(ip), 50000));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }

    /** Adds the handlers and registers the channel, which makes it active. */
    public ClientChannel start(ChannelHandler... handlers) {
        pipeline().addLast(handlers);
        try {
            register();
            freezeTime();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    /** Everything written to the client so far, as text (each buffer released). */
    public String written() {
        StringBuilder out = new StringBuilder();
        for (Object msg; (msg = readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    /** The request as the client would send it, one read. */
    public ClientChannel send(String text) {
        writeInbound(io.netty.buffer.Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        return this;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote; // known from the accept on, as for a real accepted channel
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
        outputShutdown = true;
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
        outputShutdown = true;
        return promise.setSuccess();
    }
}
