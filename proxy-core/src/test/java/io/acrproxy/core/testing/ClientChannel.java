package io.acrproxy.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * A {@link DuplexEmbeddedChannel} that looks like a TCP connection to or from an address, which is what the stage
 * handlers and the relay expect of a channel, registered only once the test has added its handlers. Time is frozen:
 * tests move it with {@link #advanceTimeBy} and {@link #runScheduledPendingTasks}.
 */
public final class ClientChannel extends DuplexEmbeddedChannel {
    private ClientChannel(InetSocketAddress remote) {
        super(remote, false);
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
}
